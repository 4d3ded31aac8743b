{
  "algorithm": "ed25519",
  "digest": "7ee7cf11136837cabe027b1634cd95eb68801492b59f608ac21d59505f57d479",
  "files": {
    "mod.toml": "7b4318178cf370d83691bba05410a697267483e1aaeae2bae213cc6bec43d917",
    "scripts/arena.py": "ad769aa835cd788fbc5099113aac3d7e4711ebae7d0aec36d8d56271332d1ada",
    "scripts/wanderer.py": "ceaea456c4f558322c5f781659c15bcf067bf25ad15b11699dbe75aaeaa66406"
  },
  "format": "modhost-mod-signature",
  "format_version": 1,
  "key_id": "c5a6f5996db984602afa7cdf373f52fd",
  "mod": {
    "id": "arena",
    "version": "1.0.0"
  },
  "public_key": "8CAcpormJojTsPGQv2P80O7zyKgPupVD2WwZ0PanAyo=",
  "signature": "gJrWE3+MmamaRrRY3AVxjl1Gk0QIe9KXo0JzAyLZwmiNHyrHZ5TPDgxNlELhQ+V3VtBZBQOABB+AujIybEVsCg=="
}
