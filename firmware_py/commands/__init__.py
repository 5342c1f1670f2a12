"""One module per glidecount subcommand."""
