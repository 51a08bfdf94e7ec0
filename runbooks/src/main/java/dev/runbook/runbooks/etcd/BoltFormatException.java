package dev.runbook.runbooks.etcd;

/**
 * Structural nonsense found while reading the bbolt database. Internal: {@link SnapshotFile} turns
 * it into a {@link SnapshotCheckException} of check NOT_BBOLT that names the file.
 */
final class BoltFormatException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  BoltFormatException(String message) {
    super(message);
  }
}
