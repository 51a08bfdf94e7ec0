// Benchmark (issue 20): off-site copy throughput to the lab's S3-compatible store (S3Proxy on
// loopback). Run by bench/object-store with the runbook jar on the class path:
//   java -cp cli/target/runbook.jar bench/ObjectStoreTransfer.java INVENTORY MIB ROUNDS
//
// Baseline: what `aws s3 cp` amounts to with the same SDK, a bare transfer: one PutObject
// streamed from the file, one GetObject into a file; no digests of our own. Against it, the
// engine's path (ObjectStoreClient, which every upload step uses): the upload in 16 MiB parts,
// each with its Content-MD5, the SHA-256 in the metadata, and a HEAD after; the download hashing
// its bytes as they come; and, to tell the multipart cost apart, the engine's client in one PUT.
// Rounds are paired (bare, then ours, on a fresh key each), the figure is
// the median; prints MiB/s of each and the ratio ours/bare in time (1.0: no cost).
import dev.runbook.engine.api.Inventory;
import dev.runbook.runbooks.objectstore.ObjectStoreClient;
import dev.runbook.runbooks.objectstore.S3Location;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

public class ObjectStoreTransfer {

  public static void main(String[] args) throws Exception {
    Inventory inventory = Inventory.load(Path.of(args[0]));
    int mib = Integer.parseInt(args[1]);
    int rounds = Integer.parseInt(args[2]);
    Inventory.ObjectStore store = inventory.store().orElseThrow();
    Path dir = Files.createTempDirectory("runbook-bench-object-store");
    Path file = dir.resolve("payload.bin");
    byte[] block = new byte[1 << 20];
    new Random(7).nextBytes(block);
    MessageDigest d = MessageDigest.getInstance("SHA-256");
    try (OutputStream out = Files.newOutputStream(file)) {
      for (int i = 0; i < mib; i++) {
        block[0] = (byte) i; // no two MiB alike
        out.write(block);
        d.update(block);
      }
    }
    String sha = HexFormat.of().formatHex(d.digest());
    Map<String, String> creds = credentials(store.credentialsFile());
    S3Client bare =
        S3Client.builder()
            .endpointOverride(store.endpoint())
            .region(Region.of(store.region()))
            .forcePathStyle(store.pathStyle())
            .credentialsProvider(
                StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(
                        creds.get("aws_access_key_id"), creds.get("aws_secret_access_key"))))
            // The same transport and the same checksum settings as ObjectStoreClient, so the
            // difference is what the engine does, not the SDK's defaults.
            .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
            .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
            .httpClient(UrlConnectionHttpClient.builder().build())
            .build();
    double[] bareUp = new double[rounds], bareDown = new double[rounds];
    double[] oursUp = new double[rounds], oursDown = new double[rounds];
    double[] onePut = new double[rounds];
    try (ObjectStoreClient ours = ObjectStoreClient.open(store, Map.of())) {
      // One unmeasured round of each warms the JIT and the connections.
      for (int round = -1; round < rounds; round++) {
        String bareKey = "bench/bare-" + round + "-" + System.nanoTime();
        long t = System.nanoTime();
        bare.putObject(b -> b.bucket(store.bucket()).key(bareKey), RequestBody.fromFile(file));
        double up = secs(t);
        Path back = dir.resolve("back.bin");
        Files.deleteIfExists(back);
        t = System.nanoTime();
        bare.getObject(b -> b.bucket(store.bucket()).key(bareKey), ResponseTransformer.toFile(back));
        double down = secs(t);
        Files.delete(back);

        S3Location loc = new S3Location(store.bucket(), "bench/ours-" + round + "-" + System.nanoTime());
        t = System.nanoTime();
        ObjectStoreClient.Stored stored = ours.upload(file, loc, sha, ObjectStoreClient.PART_SIZE);
        double oursUpS = secs(t);
        t = System.nanoTime();
        ObjectStoreClient.Downloaded got;
        try (OutputStream out = Files.newOutputStream(back)) {
          got = ours.download(loc, out);
        }
        double oursDownS = secs(t);
        Files.delete(back);
        // The engine's client in one PUT (part size above the file): what of the difference is
        // the multipart upload itself, which S3Proxy's filesystem backend assembles by copying.
        S3Location single =
            new S3Location(store.bucket(), "bench/one-put-" + round + "-" + System.nanoTime());
        t = System.nanoTime();
        ours.upload(file, single, sha, Math.max(ObjectStoreClient.PART_SIZE, Files.size(file)));
        double onePutS = secs(t);
        if (!sha.equals(stored.sha256()) || !sha.equals(got.sha256())) {
          throw new IllegalStateException("digest differs: " + stored + " " + got);
        }
        if (round < 0) {
          continue;
        }
        bareUp[round] = up;
        bareDown[round] = down;
        oursUp[round] = oursUpS;
        oursDown[round] = oursDownS;
        onePut[round] = onePutS;
        System.out.printf(
            "round %d: upload bare %.2f s, ours %.2f s (in one PUT %.2f s); download bare %.2f s,"
                + " ours %.2f s%n",
            round + 1, up, oursUpS, onePutS, down, oursDownS);
      }
    } finally {
      bare.close();
      Files.deleteIfExists(file);
      Files.deleteIfExists(dir);
    }
    print("upload", mib, median(bareUp), median(oursUp));
    print("upload in one PUT", mib, median(bareUp), median(onePut));
    print("download", mib, median(bareDown), median(oursDown));
  }

  static void print(String what, int mib, double bare, double ours) {
    System.out.printf(
        "%s of %d MiB, median: bare SDK %.2f s (%.0f MiB/s), engine %.2f s (%.0f MiB/s); ratio engine/bare %.2f%n",
        what, mib, bare, mib / bare, ours, mib / ours, ours / bare);
  }

  static Map<String, String> credentials(Path file) throws Exception {
    Map<String, String> m = new java.util.HashMap<>();
    for (String line : Files.readAllLines(file)) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        m.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
      }
    }
    return m;
  }

  static double secs(long start) {
    return (System.nanoTime() - start) / 1e9;
  }

  static double median(double[] xs) {
    double[] s = xs.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }
}
