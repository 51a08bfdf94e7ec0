package dev.runbook.lab;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Txn;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.PutOption;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code lab seed}: writes Kubernetes-like keys under {@code /registry/} (namespaces, configmaps,
 * pods, secrets) so snapshots carry realistic content. Keys are written in transactions of at most
 * ~1 MiB, below etcd's default request size limit.
 */
final class Seeder {
  private static final List<String> KINDS = List.of("configmaps", "pods", "secrets");
  private static final int MAX_TXN_BYTES = 1 << 20;
  private static final int MAX_TXN_OPS = 100;

  private Seeder() {}

  /** Returns the number of keys written. */
  static int seed(LabState state, Path dir, int keys, int valueBytes, PrintWriter out) {
    if (keys < 1) {
      throw LabException.badInput("--keys must be at least 1, not " + keys);
    }
    if (valueBytes < 16 || valueBytes > MAX_TXN_BYTES) {
      throw LabException.badInput(
          "--value-bytes must be between 16 and " + MAX_TXN_BYTES + ", not " + valueBytes);
    }
    String[] endpoints =
        ExternalTopology.runsEtcd(state).stream()
            .map(n -> "https://" + n.address() + ":" + Node.CLIENT_PORT)
            .toArray(String[]::new);
    long started = System.nanoTime();
    long bytes = 0;
    Random random = new Random(42);
    try (Client client = client(dir, endpoints)) {
      int namespaces = Math.max(1, keys / 50);
      List<Op> batch = new ArrayList<>();
      int batchBytes = 0;
      for (int i = 0; i < keys; i++) {
        String key;
        String value;
        if (i < namespaces) {
          key = "/registry/namespaces/ns-%04d".formatted(i);
          value =
              "{\"kind\":\"Namespace\",\"metadata\":{\"name\":\"ns-%04d\"},\"status\":{\"phase\":\"Active\"}}"
                  .formatted(i);
        } else {
          String kind = KINDS.get(i % KINDS.size());
          String ns = "ns-%04d".formatted(i % namespaces);
          String name = kind.substring(0, kind.length() - 1) + "-%06d".formatted(i);
          key = "/registry/%s/%s/%s".formatted(kind, ns, name);
          value =
              "{\"metadata\":{\"name\":\"%s\",\"namespace\":\"%s\"},\"data\":\"%s\"}"
                  .formatted(name, ns, filler(random, valueBytes));
        }
        byte[] v = value.getBytes(StandardCharsets.UTF_8);
        if (!batch.isEmpty()
            && (batch.size() >= MAX_TXN_OPS || batchBytes + v.length > MAX_TXN_BYTES)) {
          commit(client, batch);
          batch.clear();
          batchBytes = 0;
        }
        batch.add(
            Op.put(
                ByteSequence.from(key, StandardCharsets.UTF_8),
                ByteSequence.from(v),
                PutOption.DEFAULT));
        batchBytes += v.length + key.length();
        bytes += v.length;
      }
      commit(client, batch);
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    out.printf(
        "Seeded %d keys (%.1f MB of values) under /registry/ in %.1f s.%n",
        keys, bytes / 1e6, seconds);
    return keys;
  }

  static Client client(Path dir, String... endpoints) {
    try {
      return Client.builder()
          .endpoints(endpoints)
          .sslContext(
              b ->
                  b.trustManager(dir.resolve("pki/ca.crt").toFile())
                      .keyManager(
                          dir.resolve("pki/commander.crt").toFile(),
                          dir.resolve("pki/commander.key").toFile()))
          .connectTimeout(Duration.ofSeconds(5))
          .build();
    } catch (javax.net.ssl.SSLException e) {
      throw LabException.badInput(
          "cannot read the lab's client certificates in "
              + dir.resolve("pki")
              + ": "
              + e.getMessage());
    }
  }

  private static void commit(Client client, List<Op> ops) {
    if (ops.isEmpty()) {
      return;
    }
    Txn txn = client.getKVClient().txn();
    txn.Then(ops.toArray(Op[]::new));
    try {
      txn.commit().get(60, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new LabException(LabException.FAILED, "writing seed keys failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw LabException.failed("interrupted");
    }
  }

  private static final char[] ALPHABET =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".toCharArray();

  private static String filler(Random random, int length) {
    char[] c = new char[length];
    for (int i = 0; i < length; i++) {
      c[i] = ALPHABET[random.nextInt(ALPHABET.length)];
    }
    return new String(c);
  }
}
