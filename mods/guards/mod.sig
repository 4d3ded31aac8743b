{
  "algorithm": "ed25519",
  "digest": "caf6cf0bb013c399f8531b1857342e317615b8de41aa91ed3a3077168c3e8657",
  "files": {
    "assets/waypoints.txt": "60150b176cdf9ae9596fb4420fd29e3a3c74e5baa213211c3569cfe1dbe50524",
    "mod.toml": "bbd761d2c7dcbcb60f1f10402eb94a73c23ea48efcf6fdc32bcb51670d7a1ad6",
    "scripts/barracks.py": "55b2e224a26f84de06de1a310b0e552fc2e18ece0c0faf86c5610bc990ea0df2",
    "scripts/guard.py": "3812b995701300e78fb64a9c458807529564e6a6b7bdb58806891d01a312ac10"
  },
  "format": "modhost-mod-signature",
  "format_version": 1,
  "key_id": "c5a6f5996db984602afa7cdf373f52fd",
  "mod": {
    "id": "guards",
    "version": "1.0.0"
  },
  "public_key": "8CAcpormJojTsPGQv2P80O7zyKgPupVD2WwZ0PanAyo=",
  "signature": "PBH79SMMd2p8El/V44jchfQmCFea3KqvVDaLDJ+x2DVn4RsLNXaOXU5CtQWu0DMIZu4kL1Xr7tCufYk8UYWCAQ=="
}
