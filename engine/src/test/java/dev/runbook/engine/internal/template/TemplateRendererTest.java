package dev.runbook.engine.internal.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TemplateRendererTest {

  private static final String IDENTIFY = "commands/ssh-check/identify.ftl";

  /** Must be public: FreeMarker only calls public methods of public classes. */
  public record Node(String name, int port, URI clientUrl, Path dataDir) {}

  @TempDir Path overrides;

  @Test
  void rendersABuiltInTemplate() {
    assertThat(new TemplateRenderer(null).render(IDENTIFY, Map.of()))
        .isEqualTo("hostname; id -un; uname -sr");
  }

  @Test
  void aTemplateInTheOverrideDirectoryWinsOverTheBuiltIn() throws Exception {
    Path file = overrides.resolve(IDENTIFY);
    Files.createDirectories(file.getParent());
    Files.writeString(file, "echo ${who}\n");

    assertThat(new TemplateRenderer(overrides).render(IDENTIFY, Map.of("who", "me")))
        .isEqualTo("echo 'me'");
  }

  @Test
  void builtInsAreFoundWhenTheOverrideDirectoryLacksTheTemplate() {
    assertThat(new TemplateRenderer(overrides).render(IDENTIFY, Map.of()))
        .isEqualTo("hostname; id -un; uname -sr");
  }

  @Test
  void recordComponentsReadLikeProperties() {
    var node =
        new Node("cp-1", 2379, URI.create("https://10.0.0.1:2379"), Path.of("/var/lib/etcd"));

    String out =
        new TemplateRenderer(null)
            .renderInline(
                "t",
                "x ${node.name} ${node.port} ${node.clientUrl} ${node.dataDir} ${node.name()}",
                Map.of("node", node));

    assertThat(out).isEqualTo("x 'cp-1' '2379' 'https://10.0.0.1:2379' '/var/lib/etcd' 'cp-1'");
  }

  @Test
  void mapsAndListsWork() {
    String out =
        new TemplateRenderer(null)
            .renderInline(
                "t",
                "<#list members as m>${m.name}=${m.url}<#sep>,</#sep></#list>",
                Map.of(
                    "members",
                    List.of(Map.of("name", "a", "url", "u1"), Map.of("name", "b", "url", "u 2"))));

    assertThat(out).isEqualTo("'a'='u1','b'='u 2'");
  }

  @Test
  void anOverrideDirectoryThatIsNotThereIsRefused() {
    assertThatThrownBy(() -> new TemplateRenderer(overrides.resolve("missing")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("missing");
  }

  @Test
  void aMissingTemplateIsNamed() {
    assertThatThrownBy(() -> new TemplateRenderer(overrides).render("commands/nope.ftl", Map.of()))
        .isInstanceOf(RenderException.class)
        .hasMessageContaining("commands/nope.ftl")
        .hasMessageContaining("not found")
        .hasMessageContaining(overrides.toString())
        .satisfies(
            e -> assertThat(((RenderException) e).templateName()).isEqualTo("commands/nope.ftl"));
  }

  @Test
  void aMissingVariableIsNamedWithTheTemplateAndLine() {
    assertThatThrownBy(
            () ->
                new TemplateRenderer(null)
                    .renderInline(
                        "Task_Check",
                        "echo ok\necho ${node.nmae}",
                        Map.of("node", Map.of("name", "x"))))
        .isInstanceOf(RenderException.class)
        .hasMessage("template Task_Check line 2, column 8: node.nmae is missing or null")
        .satisfies(e -> assertThat(((RenderException) e).missingVariable()).contains("node.nmae"));
  }

  @Test
  void aMissingVariableInAFileTemplateIsNamed() throws Exception {
    Files.writeString(overrides.resolve("x.ftl"), "echo ${host}");

    assertThatThrownBy(() -> new TemplateRenderer(overrides).render("x.ftl", Map.of()))
        .isInstanceOf(RenderException.class)
        .hasMessageContaining("x.ftl")
        .hasMessageContaining("host");
  }

  @Test
  void aSyntaxErrorNamesTheTemplateAndLine() {
    assertThatThrownBy(
            () -> new TemplateRenderer(null).renderInline("t", "echo\n<#if x>", Map.of()))
        .isInstanceOf(RenderException.class)
        .hasMessageStartingWith("template t line 2");
  }

  @Test
  void nullLoopVariablesAreNotLookedUpOutside() {
    var items = new java.util.ArrayList<String>();
    items.add(null);
    assertThatThrownBy(
            () ->
                new TemplateRenderer(null)
                    .renderInline(
                        "t",
                        "<#list items as x>${x}</#list>",
                        Map.of("items", items, "x", "outer")))
        .isInstanceOf(RenderException.class);
  }

  @Test
  void exceptionsFromTheModelBecomeRenderExceptions() {
    assertThatThrownBy(
            () ->
                new TemplateRenderer(null)
                    .renderInline("t", "${bad.value}", Map.of("bad", new Bad())))
        .isInstanceOf(RenderException.class)
        .hasMessageContaining("template t");
  }

  @Test
  void templatesCannotInstantiateClasses() {
    assertThatThrownBy(
            () ->
                new TemplateRenderer(null)
                    .renderInline(
                        "t", "${'freemarker.template.utility.Execute'?new()('id')}", Map.of()))
        .isInstanceOf(RenderException.class);
  }

  @Test
  void htmlTemplatesKeepHtmlEscaping() throws Exception {
    Files.writeString(overrides.resolve("page.ftlh"), "<p>${v}</p>");

    assertThat(new TemplateRenderer(overrides).render("page.ftlh", Map.of("v", "<a&'>")))
        .isEqualTo("<p>&lt;a&amp;&#39;&gt;</p>");
  }

  /** Public so FreeMarker may call it. */
  public static final class Bad {
    public String getValue() {
      throw new IllegalStateException("boom");
    }
  }
}
