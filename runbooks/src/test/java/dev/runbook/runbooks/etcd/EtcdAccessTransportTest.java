package dev.runbook.runbooks.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.util.concurrent.MoreExecutors;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.MaintenanceGrpc;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.MethodDescriptor;
import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.ReferenceCountedOpenSslContext;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/** How EtcdAccess keeps the snapshot stream fast: OpenSSL for TLS, the transport thread. */
class EtcdAccessTransportTest {

  @Test
  @EnabledOnOs(value = OS.LINUX, architectures = "amd64")
  void grpcPicksOpenSslForTheClientTls() throws Exception {
    assertThat(OpenSsl.isAvailable())
        .as("netty-tcnative-boringssl-static: %s", OpenSsl.unavailabilityCause())
        .isTrue();
    // As jetcd's ClientBuilder.sslContext(Consumer) builds it.
    assertThat(GrpcSslContexts.forClient().build())
        .isInstanceOf(ReferenceCountedOpenSslContext.class);
  }

  @Test
  void onlyTheSnapshotCallRunsOnTheTransportThread() {
    assertThat(executorFor(MaintenanceGrpc.getSnapshotMethod()))
        .isSameAs(MoreExecutors.directExecutor());
    assertThat(executorFor(MaintenanceGrpc.getStatusMethod())).isNull();
    assertThat(executorFor(KVGrpc.getRangeMethod())).isNull();
  }

  private static Executor executorFor(MethodDescriptor<?, ?> method) {
    Executor[] seen = new Executor[1];
    Channel capture =
        new Channel() {
          @Override
          public <Q, R> ClientCall<Q, R> newCall(MethodDescriptor<Q, R> m, CallOptions options) {
            seen[0] = options.getExecutor();
            return null;
          }

          @Override
          public String authority() {
            return "etcd";
          }
        };
    EtcdAccess.SNAPSHOT_ON_TRANSPORT_THREAD.interceptCall(method, CallOptions.DEFAULT, capture);
    return seen[0];
  }
}
