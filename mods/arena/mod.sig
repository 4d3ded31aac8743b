{
  "algorithm": "ed25519",
  "digest": "31c46ec6eec34ca291263d3b9c8b43423767417466bb9079bf05e434cb0c0409",
  "files": {
    "mod.toml": "3d3bfe2b29d519fce390794dff144dd09835aeacbbcaa2d95cc5cae61bddb434",
    "scripts/arena.py": "ad769aa835cd788fbc5099113aac3d7e4711ebae7d0aec36d8d56271332d1ada",
    "scripts/wanderer.py": "4a36152fb9e6cbee66e427adbff14087babab2a68176f22ae65532e75d3c5da3"
  },
  "format": "modhost-mod-signature",
  "format_version": 1,
  "key_id": "c5a6f5996db984602afa7cdf373f52fd",
  "mod": {
    "id": "arena",
    "version": "1.0.1"
  },
  "public_key": "8CAcpormJojTsPGQv2P80O7zyKgPupVD2WwZ0PanAyo=",
  "signature": "C2yv4wOQcpsvhi2yIikpB6l7JYpeZHYfADH1ef9cfByTvvXJKFUmuttBfDvHg1vPPbg31JNI3LMRCQ+owkJqDg=="
}
