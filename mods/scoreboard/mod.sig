{
  "algorithm": "ed25519",
  "digest": "2ecdaed746f19eb2cdb2eef11d3682dea1f94b9fc181ca3a69f2b2bb0701265d",
  "files": {
    "mod.toml": "b897c8ef9c924534a1fc34e2e43276cb6693c925e8dbe0a4beb58e283ffe19c4",
    "scripts/score.py": "0ddfd2a203bebd0a9019ccae27230b4a2645b9d848b718545cf7bd6d1617c6d0"
  },
  "format": "modhost-mod-signature",
  "format_version": 1,
  "key_id": "c5a6f5996db984602afa7cdf373f52fd",
  "mod": {
    "id": "scoreboard",
    "version": "1.0.0"
  },
  "public_key": "8CAcpormJojTsPGQv2P80O7zyKgPupVD2WwZ0PanAyo=",
  "signature": "8dboCNJh5KuiOdYIVU+tiIlfwnqY9gn0jdo2MWhgEmbcys5El5oV8Ick5Du6tfqOkIG49/pyH/FArlFsg1dVDA=="
}
