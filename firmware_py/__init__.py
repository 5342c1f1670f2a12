"""glidecount device side: the command line, the device runtime and its I/O edges."""
