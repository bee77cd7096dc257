// t/lib/tus-upload.mjs: uploads one file with tus-js-client (a tus client
// nobody here wrote), for t/52-tus.t. Run with NODE_PATH naming the folder
// holding node_modules/tus-js-client:
//   node t/lib/tus-upload.mjs ENDPOINT TOKEN FILE CHUNK_SIZE [UPLOAD_URL]
// ENDPOINT: .../projects/{id}/uploads; UPLOAD_URL: resume an upload made
// earlier (the client asks its offset with HEAD first). Prints one JSON
// line: {"ok":true,"url":...,"video_id":...,"requests":[...]} or
// {"ok":false,"error":...}; exit status 0 either way.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

const require = createRequire(path.join(process.env.NODE_PATH || '.', 'x.js'));
const tus = require('tus-js-client');
const [endpoint, token, file, chunk, uploadUrl] = process.argv.slice(2);
const requests = [];
let videoId = null;

const upload = new tus.Upload(fs.readFileSync(file), {
  endpoint,
  uploadUrl: uploadUrl || null,
  chunkSize: Number(chunk),
  retryDelays: [0, 500, 1000],
  headers: { Authorization: `Bearer ${token}` },
  metadata: { filename: path.basename(file), filetype: 'video/mp4' },
  onAfterResponse(req, res) {
    requests.push(`${req.getMethod()} ${res.getStatus()}`);
    videoId = res.getHeader('X-Video-Id') || videoId;
  },
  onError(err) {
    console.log(JSON.stringify({ ok: false, error: String(err), requests }));
  },
  onSuccess() {
    console.log(JSON.stringify({ ok: true, url: upload.url, video_id: videoId, requests }));
  },
});
upload.start();
