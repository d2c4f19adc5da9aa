"""imago."""
