{
  "algorithm": "ed25519",
  "digest": "9f5a7303844e23b890b0d1f1fde2e8e65700947617f0101d2ed6f006a46cf32d",
  "files": {
    "components/beacon.wasm": "686a137e55054b7012c06605b17076c4768fb443957a16b02d901f17de03428c",
    "mod.toml": "c7d5239a02c70fe5183843d2ba58728c5316c31f4c8599e781e0e22977001d02",
    "src/beacon.wat": "c9cae5319abc900474c54f6fefaa2c55ae3d80edc88f1122d47057152ed5fef1"
  },
  "format": "modhost-mod-signature",
  "format_version": 1,
  "key_id": "c5a6f5996db984602afa7cdf373f52fd",
  "mod": {
    "id": "beacon",
    "version": "1.0.0"
  },
  "public_key": "8CAcpormJojTsPGQv2P80O7zyKgPupVD2WwZ0PanAyo=",
  "signature": "n3TbxI9Xky4idQ6YWE7WQ6iFvbspYSznCwfxkNWBRzXx+wYjYrug7IkJkW2ImEmPYiBBkwYJw5R+XrS702BECQ=="
}
