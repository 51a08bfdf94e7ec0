package dev.runbook.runbooks.objectstore;

import dev.runbook.engine.api.Inventory;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The one place that speaks S3 (AWS SDK for Java v2, a plain sync client), so the SDK's types stay
 * here ({@code ArchitectureTest}) and steps see {@link ObjectStoreException} kinds only. Every
 * object it writes carries its SHA-256 in the metadata ({@value #SHA256_META}), and every part its
 * Content-MD5, which the store checks on arrival; an object is never overwritten.
 */
public final class ObjectStoreClient implements AutoCloseable {

  /** The user metadata that holds an object's SHA-256 (hex), as {@code x-amz-meta-sha256}. */
  public static final String SHA256_META = "sha256";

  /** Files larger than this go up in parts of this size (S3's smallest part is 5 MiB). */
  public static final long PART_SIZE = 16L * 1024 * 1024;

  static final long MIN_PART_SIZE = 5L * 1024 * 1024;

  /**
   * The error codes S3-compatible stores give when they have no room: Ceph RGW and others for a
   * quota, MinIO for a full drive or a bucket quota. AWS itself has neither.
   */
  static final java.util.Set<String> FULL_CODES =
      java.util.Set.of(
          "QuotaExceeded",
          "InsufficientStorage",
          "XMinioStorageFull",
          "XMinioAdminBucketQuotaExceeded");

  /**
   * What the store holds under a key. {@code sha256} is the recorded one (metadata), or null;
   * {@code lockMode} and {@code lockedUntil} the object's lock (null without one).
   */
  public record Stored(
      String bucket,
      String key,
      long size,
      String sha256,
      String etag,
      String lockMode,
      java.time.Instant lockedUntil) {}

  /**
   * An object lock to put on an upload: {@code mode} GOVERNANCE (a person with the right permission
   * may lift it) or COMPLIANCE (nobody can, until {@code until}).
   */
  public record Lock(String mode, java.time.Instant until) {
    public Lock {
      if (!mode.equals("GOVERNANCE") && !mode.equals("COMPLIANCE")) {
        throw new IllegalArgumentException("object lock mode is GOVERNANCE or COMPLIANCE: " + mode);
      }
    }
  }

  /**
   * One object a listing shows: its key, size and the store's LastModified (when the upload ended).
   */
  public record Listed(String key, long size, java.time.Instant lastModified) {}

  /** What a download wrote and what its bytes hash to. */
  public record Downloaded(long size, String sha256) {}

  private final S3Client s3;
  private final String endpoint;

  private ObjectStoreClient(S3Client s3, String endpoint) {
    this.s3 = s3;
    this.endpoint = endpoint;
  }

  /**
   * A client for the inventory's store, with the credential from its file or {@code env}.
   *
   * @throws ObjectStoreException (DENIED) when there is no credential
   */
  public static ObjectStoreClient open(Inventory.ObjectStore store, Map<String, String> env) {
    StoreCredentials c = StoreCredentials.read(store.credentialsFile(), env);
    S3Client s3 =
        S3Client.builder()
            .endpointOverride(store.endpoint())
            .region(Region.of(store.region()))
            .forcePathStyle(store.pathStyle())
            .credentialsProvider(
                StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(c.accessKeyId(), c.secretAccessKey())))
            // Digests are ours (SHA-256 in the metadata, Content-MD5 per part), sent as plain
            // headers: S3-compatible stores do not all take the SDK's chunked trailing checksums.
            .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
            .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
            .httpClient(
                UrlConnectionHttpClient.builder()
                    .connectionTimeout(Duration.ofSeconds(5))
                    .socketTimeout(Duration.ofSeconds(60))
                    .build())
            .overrideConfiguration(o -> o.apiCallTimeout(Duration.ofMinutes(30)))
            .build();
    return new ObjectStoreClient(s3, store.endpoint().toString());
  }

  /** What the store holds under {@code loc}, or empty when it holds nothing there. */
  public Optional<Stored> head(S3Location loc) {
    try {
      HeadObjectResponse r =
          call(loc, () -> s3.headObject(b -> b.bucket(loc.bucket()).key(loc.key())));
      return Optional.of(
          new Stored(
              loc.bucket(),
              loc.key(),
              r.contentLength(),
              r.metadata().get(SHA256_META),
              r.eTag(),
              r.objectLockModeAsString(),
              r.objectLockRetainUntilDate()));
    } catch (ObjectStoreException e) {
      if (e.kind() == ObjectStoreException.Kind.NO_SUCH_OBJECT) {
        return Optional.empty();
      }
      throw e;
    }
  }

  /**
   * Every object whose key starts with {@code prefix}'s key, all pages of the listing
   * (ListObjectsV2 returns at most 1000 keys a page). A prefix that holds nothing is an empty list,
   * a missing bucket {@link ObjectStoreException.Kind#NO_SUCH_BUCKET}.
   */
  public List<Listed> list(S3Location prefix) {
    List<Listed> all = new ArrayList<>();
    String token = null;
    do {
      String from = token;
      ListObjectsV2Response page =
          call(
              prefix,
              () ->
                  s3.listObjectsV2(
                      b ->
                          b.bucket(prefix.bucket())
                              .prefix(prefix.key().isEmpty() ? null : prefix.key())
                              .continuationToken(from)));
      for (S3Object o : page.contents()) {
        all.add(new Listed(o.key(), o.size(), o.lastModified()));
      }
      token = Boolean.TRUE.equals(page.isTruncated()) ? page.nextContinuationToken() : null;
    } while (token != null);
    return all;
  }

  /**
   * The objects right under {@code prefix} taken as a directory ({@code PREFIX/NAME}, never {@code
   * PREFIX/DIR/NAME} nor {@code PREFIXOTHER/NAME}), by their names: what an upload step put there.
   */
  public Map<String, Listed> children(S3Location prefix) {
    String under = prefix.under("");
    Map<String, Listed> names = new java.util.TreeMap<>();
    for (Listed o : list(new S3Location(prefix.bucket(), under))) {
      String rest = o.key().substring(under.length());
      if (!rest.isEmpty() && !rest.contains("/")) {
        names.put(rest, o);
      }
    }
    return names;
  }

  /** Deletes the object at {@code loc}; one that is not there is not an error (S3 says so too). */
  public void delete(S3Location loc) {
    call(loc, () -> s3.deleteObject(b -> b.bucket(loc.bucket()).key(loc.key())));
  }

  /**
   * Uploads {@code file} to {@code loc} with its SHA-256 in the metadata: in one PUT up to {@code
   * partSize}, else as a multipart upload (aborted if a part fails, so no half object is left).
   * Each PUT and part carries its Content-MD5. Returns what the store then holds (a HEAD).
   */
  public Stored upload(Path file, S3Location loc, String sha256, long partSize) {
    return upload(file, loc, sha256, partSize, null);
  }

  /**
   * Is object lock enabled on {@code bucket}? Asked before an upload that wants a lock, so a store
   * or bucket without it refuses before anything is sent. A store that does not know the request
   * (S3Proxy answers it as a listing) has none.
   */
  public boolean lockEnabled(String bucket) {
    S3Location where = new S3Location(bucket, "");
    try {
      software.amazon.awssdk.services.s3.model.GetObjectLockConfigurationResponse r =
          call(where, () -> s3.getObjectLockConfiguration(b -> b.bucket(bucket)));
      return r.objectLockConfiguration() != null
          && "Enabled".equals(r.objectLockConfiguration().objectLockEnabledAsString());
    } catch (ObjectStoreException e) {
      if (e.kind() == ObjectStoreException.Kind.UNREACHABLE
          || e.kind() == ObjectStoreException.Kind.DENIED) {
        throw e;
      }
      // ObjectLockConfigurationNotFoundError, NotImplemented, a body that is no configuration.
      return false;
    }
  }

  /**
   * As {@link #upload(Path, S3Location, String, long)}, with {@code lock} on the object if given.
   */
  public Stored upload(Path file, S3Location loc, String sha256, long partSize, Lock lock) {
    if (partSize < MIN_PART_SIZE) {
      throw new IllegalArgumentException("parts are at least 5 MiB, not " + partSize);
    }
    Map<String, String> meta = Map.of(SHA256_META, sha256);
    long size = size(file);
    if (size <= partSize) {
      byte[] bytes = read(file, 0, (int) size);
      call(
          loc,
          () ->
              s3.putObject(
                  b ->
                      b.bucket(loc.bucket())
                          .key(loc.key())
                          .metadata(meta)
                          .contentLength(size)
                          .contentMD5(md5(bytes))
                          .objectLockMode(lock == null ? null : lock.mode())
                          .objectLockRetainUntilDate(lock == null ? null : lock.until()),
                  RequestBody.fromBytes(bytes)));
    } else {
      String id =
          call(
                  loc,
                  () ->
                      s3.createMultipartUpload(
                          b ->
                              b.bucket(loc.bucket())
                                  .key(loc.key())
                                  .metadata(meta)
                                  .objectLockMode(lock == null ? null : lock.mode())
                                  .objectLockRetainUntilDate(lock == null ? null : lock.until())))
              .uploadId();
      try {
        List<CompletedPart> parts = new ArrayList<>();
        int number = 1;
        for (long offset = 0; offset < size; offset += partSize, number++) {
          byte[] bytes = read(file, offset, (int) Math.min(partSize, size - offset));
          int n = number;
          String etag =
              call(
                      loc,
                      () ->
                          s3.uploadPart(
                              b ->
                                  b.bucket(loc.bucket())
                                      .key(loc.key())
                                      .uploadId(id)
                                      .partNumber(n)
                                      .contentLength((long) bytes.length)
                                      .contentMD5(md5(bytes)),
                              RequestBody.fromBytes(bytes)))
                  .eTag();
          parts.add(CompletedPart.builder().partNumber(n).eTag(etag).build());
        }
        call(
            loc,
            () ->
                s3.completeMultipartUpload(
                    b ->
                        b.bucket(loc.bucket())
                            .key(loc.key())
                            .uploadId(id)
                            .multipartUpload(m -> m.parts(parts))));
      } catch (RuntimeException e) {
        try {
          s3.abortMultipartUpload(b -> b.bucket(loc.bucket()).key(loc.key()).uploadId(id));
        } catch (RuntimeException abort) {
          e.addSuppressed(abort);
        }
        throw e;
      }
    }
    return head(loc)
        .orElseThrow(
            () ->
                new ObjectStoreException(
                    ObjectStoreException.Kind.FAILED,
                    "the store accepted " + loc + " but does not show it afterwards"));
  }

  /** Streams the object's bytes into {@code out}, hashing them as they come. */
  public Downloaded download(S3Location loc, OutputStream out) {
    MessageDigest d = sha256();
    long total = 0;
    try (ResponseInputStream<GetObjectResponse> in =
        call(loc, () -> s3.getObject(b -> b.bucket(loc.bucket()).key(loc.key())))) {
      byte[] buf = new byte[1 << 20];
      for (int n; (n = in.read(buf)) > 0; ) {
        d.update(buf, 0, n);
        if (out != null) {
          out.write(buf, 0, n);
        }
        total += n;
      }
    } catch (IOException e) {
      throw new ObjectStoreException(
          ObjectStoreException.Kind.UNREACHABLE,
          "reading " + loc + " from " + endpoint + " broke off: " + e.getMessage(),
          e);
    }
    return new Downloaded(total, HexFormat.of().formatHex(d.digest()));
  }

  /** Runs one S3 call and turns the SDK's exceptions into kinds. */
  private <T> T call(S3Location loc, Supplier<T> request) {
    try {
      return request.get();
    } catch (S3Exception e) {
      throw serviceError(
          loc, e, e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode());
    } catch (SdkServiceException e) {
      throw serviceError(loc, e, null);
    } catch (SdkClientException e) {
      Throwable root = e;
      while (root.getCause() != null) {
        root = root.getCause();
      }
      boolean network =
          root instanceof ConnectException
              || root instanceof NoRouteToHostException
              || root instanceof UnknownHostException
              || root instanceof SocketTimeoutException
              || root instanceof java.net.SocketException
              || root instanceof java.net.http.HttpTimeoutException;
      throw new ObjectStoreException(
          network ? ObjectStoreException.Kind.UNREACHABLE : ObjectStoreException.Kind.FAILED,
          (network ? "the object store at " + endpoint + " cannot be reached" : "S3 client error")
              + " ("
              + loc
              + "): "
              + root,
          e);
    }
  }

  private ObjectStoreException serviceError(S3Location loc, SdkServiceException e, String code) {
    int status = e.statusCode();
    String what = code == null ? "HTTP " + status : code + " (HTTP " + status + ")";
    ObjectStoreException.Kind kind;
    String fix;
    // Before the 403 check: Ceph answers a quota with 403 QuotaExceeded.
    if (status == 507 || (code != null && FULL_CODES.contains(code))) {
      kind = ObjectStoreException.Kind.FULL;
      fix =
          ": the store has no room for it; free space or raise the bucket's quota, then run again";
    } else if (status == 403
        || status == 401
        || "InvalidAccessKeyId".equals(code)
        || "SignatureDoesNotMatch".equals(code)
        || "AccessDenied".equals(code)) {
      kind = ObjectStoreException.Kind.DENIED;
      fix =
          ": check the key id and secret in the inventory's objectStore.credentialsFile (or the AWS environment variables) and that they may read and write the bucket";
    } else if ("NoSuchBucket".equals(code)) {
      kind = ObjectStoreException.Kind.NO_SUCH_BUCKET;
      fix = ": create the bucket, or name the right one";
    } else if (status == 404 || "NoSuchKey".equals(code)) {
      kind = ObjectStoreException.Kind.NO_SUCH_OBJECT;
      fix = ": name an object the store holds";
    } else if (status >= 500) {
      kind = ObjectStoreException.Kind.FAILED;
      // S3Proxy, for one, answers a full disk with a bare 500; other stores a failing disk.
      fix = ": the store failed on its side (full or broken?); look at its logs, then run again";
    } else {
      kind = ObjectStoreException.Kind.FAILED;
      fix = "";
    }
    return new ObjectStoreException(
        kind, "the object store at " + endpoint + " answered " + what + " for " + loc + fix, e);
  }

  private static long size(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static byte[] read(Path file, long offset, int length) {
    try (InputStream in = Files.newInputStream(file)) {
      in.skipNBytes(offset);
      return in.readNBytes(length);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static String md5(byte[] bytes) {
    try {
      return Base64.getEncoder().encodeToString(MessageDigest.getInstance("MD5").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    s3.close();
  }
}
