-- The refresh reuse grace window (README, VPlanetRefreshReuseGrace): when
-- a refresh token is rotated, the pair that replaced it is kept sealed
-- (AES-256-GCM) under a key derived from the rotated token itself, so a
-- client that presents that token again within the window (two tabs
-- refreshing at once, a retry after a lost answer) gets the same pair. The
-- server never keeps a token it could read without being shown the old
-- token; the sealed pair is dropped with the row.
ALTER TABLE refresh_tokens ADD COLUMN successor_sealed text;
