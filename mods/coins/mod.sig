{
  "algorithm": "ed25519",
  "digest": "468ebf6feebb74c5401cf832397bc8c61f70174e22c64243be3d341569074ecc",
  "files": {
    "mod.toml": "f725563d97277a907bf757e4b7b0bf9b986502215a6147ef048991dbd94e83d9",
    "scripts/coin.py": "3f172ae4d6c14c83e606570654a95c7e8d21ada71ed7d7e22a2fae2847265797",
    "scripts/spawner.py": "aedda66f08f316db7c7f2a393f194332bf195bfb7be6dce33d843b51828ef7bb"
  },
  "format": "modhost-mod-signature",
  "format_version": 1,
  "key_id": "c5a6f5996db984602afa7cdf373f52fd",
  "mod": {
    "id": "coins",
    "version": "1.0.0"
  },
  "public_key": "8CAcpormJojTsPGQv2P80O7zyKgPupVD2WwZ0PanAyo=",
  "signature": "HImZtEWyMh0lLm5VPff3sixQHlo31hib/GxCUgve320mavP5cbqGcek1X4pj51UymjJLJ88veKIOhBvm3yKrBg=="
}
