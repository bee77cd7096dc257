package VPWS;
# A small WebSocket client (RFC 6455) for the realtime tests: handshake,
# masked text frames out, frames in, close codes. Blocking reads with a
# deadline, so a missing message fails a test instead of hanging it.
use strict;
use warnings;
use IO::Socket::INET;
use Socket ();
use IO::Select;
use MIME::Base64 qw(encode_base64);
use Digest::SHA qw(sha1_base64);
use JSON::PP;

my $json = JSON::PP->new->utf8->canonical;

# VPWS->connect(BASE_URL, PATH, protocol => 'bearer, TOKEN', headers => {...},
#               rcvbuf => BYTES)
# returns a client, or undef with $@ set (the HTTP status of a refused
# upgrade in $VPWS::status).
our $status;
sub connect {
    my ($class, $base, $path, %o) = @_;
    my ($host, $port) = $base =~ m{//([^:/]+):(\d+)};
    my $s = IO::Socket::INET->new(Proto => 'tcp') or do { $@ = "socket: $!"; return undef };
    # a small receive buffer: a client that does not read fills up fast
    setsockopt($s, Socket::SOL_SOCKET(), Socket::SO_RCVBUF(), $o{rcvbuf}) if $o{rcvbuf};
    $s->connect(Socket::pack_sockaddr_in($port, Socket::inet_aton($host)))
        or do { $@ = "connect: $!"; return undef };
    setsockopt($s, 6, 1, 1);    # TCP_NODELAY
    my $key = encode_base64(join('', map { chr int rand 256 } 1 .. 16), '');
    my $req = "GET $path HTTP/1.1\r\nHost: $host:$port\r\nUpgrade: websocket\r\n"
            . "Connection: Upgrade\r\nSec-WebSocket-Key: $key\r\nSec-WebSocket-Version: 13\r\n";
    $req .= "Sec-WebSocket-Protocol: $o{protocol}\r\n" if $o{protocol};
    $req .= "$_: $o{headers}{$_}\r\n" for keys %{ $o{headers} || {} };
    syswrite($s, "$req\r\n");
    my $head = '';
    my $sel = IO::Select->new($s);
    while ($head !~ /\r\n\r\n/) {
        $sel->can_read(10) or do { $@ = 'handshake timed out'; return undef };
        sysread($s, my $buf, 1) or do { $@ = 'closed during the handshake'; return undef };
        $head .= $buf;
    }
    ($status) = $head =~ m{^HTTP/1\.1 (\d+)};
    unless (($status // 0) == 101) {
        $@ = "upgrade refused: " . ($head =~ /^(.*?)\r\n/)[0];
        return undef;
    }
    my $accept = sha1_base64($key . '258EAFA5-E914-47DA-95CA-C5AB0DC85B11') . '=';
    my ($got) = $head =~ /^Sec-WebSocket-Accept:\s*(\S+)/mi;
    unless (($got // '') eq $accept) { $@ = 'bad Sec-WebSocket-Accept'; return undef }
    my ($proto) = $head =~ /^Sec-WebSocket-Protocol:\s*(\S+)/mi;
    return bless { s => $s, sel => $sel, buf => '', protocol => $proto, close_code => undef }, $class;
}

sub protocol { $_[0]{protocol} }
sub close_code { $_[0]{close_code} }

# VPWS::frame(OPCODE, DATA, fin => 0, unmasked => 1): one client frame;
# by default final and masked, as RFC 6455 wants them.
sub frame {
    my ($op, $data, %o) = @_;
    my $len = length $data;
    my $m = $o{unmasked} ? 0 : 0x80;
    my $hdr = chr(($o{fin} // 1 ? 0x80 : 0) | $op);
    $hdr .= $len < 126 ? chr($m | $len)
          : $len < 65536 ? chr($m | 126) . pack('n', $len)
          : chr($m | 127) . pack('Q>', $len);
    return $hdr . $data if $o{unmasked};
    my $mask = join '', map { chr int rand 256 } 1 .. 4;
    my $masked = $data ^ substr($mask x (int($len / 4) + 1), 0, $len);
    return $hdr . $mask . $masked;
}

# Bytes as they are (frames of VPWS::frame), in one write; with
# pieces => N in writes of N bytes a few milliseconds apart, so that the
# server reads them apart (frame headers cut anywhere).
sub send_raw {
    my ($self, $bytes, %o) = @_;
    local $SIG{PIPE} = 'IGNORE';
    my $off = 0;
    while ($off < length $bytes) {
        my $len = length($bytes) - $off;
        $len = $o{pieces} if $o{pieces} && $o{pieces} < $len;
        my $n = syswrite($self->{s}, $bytes, $len, $off) or return undef;
        $off += $n;
        select undef, undef, undef, 0.005 if $o{pieces};
    }
    return $off;
}

# 1 when the server has closed the connection (end of file) within timeout
# seconds, after anything still unread.
sub eof_within {
    my ($self, $timeout) = @_;
    my $deadline = time + $timeout;
    while ((my $left = $deadline - time) > 0) {
        $self->{sel}->can_read($left) or return 0;
        sysread($self->{s}, my $buf, 65536) or return 1;
    }
    return 0;
}

sub send_text { $_[0]->send_raw(frame(1, $_[1])) }
sub send_json { $_[0]->send_text($json->encode($_[1])) }

sub close {
    my ($self, $code) = @_;
    local $SIG{PIPE} = 'IGNORE';
    syswrite($self->{s}, frame(8, pack('n', $code // 1000)));
    close $self->{s};
}

# One whole frame off the buffer: (opcode, payload), or () when incomplete.
sub _take {
    my ($self) = @_;
    my $b = $self->{buf};
    return () if length $b < 2;
    my ($b0, $b1) = (ord substr($b, 0, 1), ord substr($b, 1, 1));
    my ($len, $off) = ($b1 & 0x7f, 2);
    if ($len == 126) {
        return () if length $b < 4;
        ($len, $off) = (unpack('n', substr($b, 2, 2)), 4);
    }
    elsif ($len == 127) {
        return () if length $b < 10;
        ($len, $off) = (unpack('Q>', substr($b, 2, 8)), 10);
    }
    return () if length $b < $off + $len;
    my $data = substr($b, $off, $len);
    substr($self->{buf}, 0, $off + $len) = '';
    return ($b0 & 0x0f, $data);
}

# Next message (decoded JSON), answering pings; undef after a close
# (close_code set) or when nothing came within timeout seconds.
sub recv {
    my ($self, $timeout) = @_;
    my $deadline = time + ($timeout // 5);
    for (;;) {
        if (my ($op, $data) = $self->_take) {
            if ($op == 9) { syswrite($self->{s}, frame(10, $data)); next }
            if ($op == 8) {
                $self->{close_code} = length $data >= 2 ? unpack('n', $data) : 1005;
                $self->{close_reason} = substr($data, 2);
                return undef;
            }
            return $json->decode($data) if $op == 1;
            next;
        }
        my $left = $deadline - time;
        return undef if $left <= 0;
        $self->{sel}->can_read($left) or return undef;
        my $n = sysread($self->{s}, my $buf, 65536);
        unless ($n) { $self->{close_code} //= 1006; return undef }
        $self->{buf} .= $buf;
    }
}

# Messages until none arrives for quiet seconds (or max reached).
sub drain {
    my ($self, $quiet, $max) = @_;
    my @got;
    while (!defined $max || @got < $max) {
        my $m = $self->recv($quiet // 1) // last;
        push @got, $m;
    }
    return @got;
}

# Waits for the server to close; returns the close code (1006: dropped).
sub wait_close {
    my ($self, $timeout) = @_;
    my $deadline = time + ($timeout // 10);
    while (!defined $self->{close_code} && time < $deadline) {
        $self->recv($deadline - time);
    }
    return $self->{close_code};
}

1;
