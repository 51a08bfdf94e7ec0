package dev.runbook.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import dev.runbook.engine.api.Step;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The boundaries between the modules, checked on the main classes of every module (this module's
 * test class path holds them all): clients and the pack reach the engine only through its API,
 * steps never see Camunda or SSH types, jetcd stays behind the pack's own etcd interface, and the
 * AWS SDK inside ObjectStoreClient.
 */
class ArchitectureTest {

  static JavaClasses main;

  @BeforeAll
  static void importMainClasses() {
    main =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            // The runbooks' test-jar (their lab-test helpers, for the ITs here) is tests too.
            .withImportOption(location -> !location.contains("-tests.jar"))
            .importPackages("dev.runbook");
  }

  @Test
  void nothingOutsideTheEngineReachesItsInternals() {
    noClasses()
        .that()
        .resideOutsideOfPackage("dev.runbook.engine..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("dev.runbook.engine.internal..")
        .because("the CLI and the packs use the engine's API; its internals may change freely")
        .check(main);
  }

  @Test
  void theEngineKnowsNeitherItsClientsNorThePacks() {
    noClasses()
        .that()
        .resideInAPackage("dev.runbook.engine..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("dev.runbook.cli..", "dev.runbook.runbooks..", "dev.runbook.lab..")
        .check(main);
  }

  @Test
  void stepsNeverSeeCamundaOrSshTypes() {
    noClasses()
        .that()
        .implement(Step.class)
        .or()
        .resideInAPackage("dev.runbook.runbooks..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("org.camunda..", "net.schmizz..", "com.hierynomus..")
        .because("a step sees its input record and the StepContext, not the engine's machinery")
        .check(main);
  }

  @Test
  void jetcdStaysBehindThePacksEtcdInterface() {
    noClasses()
        .that()
        .resideInAPackage("dev.runbook.runbooks..")
        .and()
        .haveNameNotMatching(
            "dev\\.runbook\\.runbooks\\.etcd\\.(EtcdAccess|MemberClient|EtcdUnreachable)(\\$.*)?")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.etcd.jetcd..", "io.grpc..", "io.netty..")
        .because(
            "steps talk to etcd through EtcdAccess and MemberClient, so that a fake can stand in"
                + " for a cluster and jetcd can be replaced in one place")
        .check(main);
  }

  @Test
  void theAwsSdkStaysInTheObjectStoreClient() {
    noClasses()
        .that()
        .resideInAPackage("dev.runbook..")
        .and()
        .haveNameNotMatching("dev\\.runbook\\.runbooks\\.objectstore\\.ObjectStoreClient(\\$.*)?")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("software.amazon.awssdk..")
        .because(
            "steps talk to the object store through ObjectStoreClient and its typed"
                + " ObjectStoreException, so the SDK can be replaced (or upgraded) in one place")
        .check(main);
  }

  @Test
  void theCliDrivesRunbooksOnlyThroughTheEngineApi() {
    noClasses()
        .that()
        .resideInAPackage("dev.runbook.cli..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("org.camunda..", "io.etcd.jetcd..", "net.schmizz..")
        .check(main);
  }
}
