"""Targets: boards, firmware builds, QEMU / host / serial sessions, standalone projects, archives."""
