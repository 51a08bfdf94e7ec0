package dev.runbook.engine.internal.template;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MarkdownOutputFormatTest {

  @TempDir java.nio.file.Path templates;

  @Test
  void inlineTextCannotOpenMarkupOrEndTheLine() {
    String escaped =
        MarkdownOutputFormat.escape("<script>x</script> *a* _b_ [l](u) | `c` # h\nnext");

    assertThat(escaped)
        .isEqualTo(
            "\\<script\\>x\\</script\\> \\*a\\* \\_b\\_ \\[l\\]\\(u\\) \\| \\`c\\` \\# h next");
  }

  @Test
  void aValueAtTheStartOfALineOpensNoListRuleOrHeading() {
    assertThat(MarkdownOutputFormat.escape("- item")).isEqualTo("\\- item");
    assertThat(MarkdownOutputFormat.escape("+ item")).isEqualTo("\\+ item");
    assertThat(MarkdownOutputFormat.escape("1. item")).isEqualTo("1\\. item");
    assertThat(MarkdownOutputFormat.escape("---")).isEqualTo("\\---");
    assertThat(MarkdownOutputFormat.escape("===")).isEqualTo("\\===");
    assertThat(MarkdownOutputFormat.escape("etcd-restore 3.5.1")).isEqualTo("etcd-restore 3.5.1");
  }

  @Test
  void aFenceIsLongerThanAnyBacktickRunInside() {
    assertThat(MarkdownOutputFormat.fenced("echo hi", "sh")).isEqualTo("```sh\necho hi\n```");
    assertThat(MarkdownOutputFormat.fenced("a ```` b\n", null)).isEqualTo("`````\na ```` b\n`````");
    assertThat(MarkdownOutputFormat.fenced("x", "sh\n# not an info string"))
        .startsWith("```shnotaninfostring\n");
  }

  @Test
  void inlineCodeOutrunsItsBackticksAndStaysOnOneLine() {
    assertThat(MarkdownOutputFormat.inlineCode("abc")).isEqualTo("`abc`");
    assertThat(MarkdownOutputFormat.inlineCode("a`b")).isEqualTo("``a`b``");
    assertThat(MarkdownOutputFormat.inlineCode("`x\ny")).isEqualTo("`` `x y ``");
  }

  @Test
  void aTemplateDeclaringMarkdownEscapesInterpolationsButNotFences() throws Exception {
    java.nio.file.Files.writeString(
        templates.resolve("t.md.ftl"),
        "<#ftl output_format=\"markdown\">\n# ${title}\n\n${fence(cmd, \"sh\")}\n${code(id)}\n");
    Map<String, Object> model = new HashMap<>(MarkdownOutputFormat.FUNCTIONS);
    model.put("title", "**x** <b>");
    model.put("cmd", "rm -rf /tmp/x # ```");
    model.put("id", "a`b");

    String out = new TemplateRenderer(templates).render("t.md.ftl", model);

    assertThat(out)
        .isEqualTo("# \\*\\*x\\*\\* \\<b\\>\n\n````sh\nrm -rf /tmp/x # ```\n````\n``a`b``");
  }
}
