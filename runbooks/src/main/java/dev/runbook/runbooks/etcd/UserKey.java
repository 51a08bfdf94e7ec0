package dev.runbook.runbooks.etcd;

import java.io.IOException;

/**
 * Pulls the user key out of an etcd {@code mvccpb.KeyValue} protobuf without a protobuf library: it
 * is field 1, length-delimited, and etcd marshals it first, so normally only the first few bytes
 * are looked at.
 */
final class UserKey {

  private static final int KEY_FIELD = 1;
  private static final int VARINT = 0;
  private static final int FIXED64 = 1;
  private static final int LENGTH_DELIMITED = 2;
  private static final int FIXED32 = 5;

  private UserKey() {}

  static byte[] of(Region region, long offset, long size) throws IOException {
    long[] at = {offset};
    long end = offset + size;
    while (at[0] < end) {
      long tag = varint(region, at, end);
      int field = (int) (tag >>> 3);
      int wireType = (int) (tag & 7);
      switch (wireType) {
        case VARINT -> varint(region, at, end);
        case FIXED64 -> at[0] += 8;
        case FIXED32 -> at[0] += 4;
        case LENGTH_DELIMITED -> {
          long length = varint(region, at, end);
          if (length < 0 || length > end - at[0]) {
            throw bad(region, offset, "field " + field + " claims " + length + " bytes");
          }
          if (field == KEY_FIELD) {
            if (length > Integer.MAX_VALUE - 8) {
              throw bad(region, offset, "key of " + length + " bytes");
            }
            return region.bytes(at[0], (int) length);
          }
          at[0] += length;
        }
        default -> throw bad(region, offset, "wire type " + wireType + " in field " + field);
      }
    }
    throw bad(region, offset, "no key field");
  }

  private static long varint(Region region, long[] at, long end) throws IOException {
    long value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (at[0] >= end) {
        throw bad(region, at[0], "a varint runs past the value");
      }
      int b = region.u8(at[0]++);
      value |= (long) (b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        return value;
      }
    }
    throw bad(region, at[0], "a varint longer than 10 bytes");
  }

  private static BoltFormatException bad(Region region, long offset, String what) {
    return new BoltFormatException(
        "bucket \"key\": the value at offset "
            + offset
            + " of "
            + region.name()
            + " is not an etcd KeyValue ("
            + what
            + ")");
  }
}
