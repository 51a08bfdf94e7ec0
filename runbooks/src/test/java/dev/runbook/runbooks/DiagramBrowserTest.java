package dev.runbook.runbooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runbook.lab.Chromium;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.camunda.bpm.model.bpmn.Bpmn;
import org.camunda.bpm.model.bpmn.BpmnModelInstance;
import org.camunda.bpm.model.bpmn.instance.FlowNode;
import org.camunda.bpm.model.bpmn.instance.SequenceFlow;
import org.camunda.bpm.model.bpmn.instance.bpmndi.BpmnDiagram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Opens each shipped runbook with bpmn-js (the viewer Camunda Modeler is built on, from its WebJar)
 * in headless Chromium: it must import without a warning, draw every flow node and sequence flow of
 * the BPMN, and the screenshot must show a diagram across the page. Fails, never skips, when
 * Chromium is missing: {@code scripts/setup} installs it.
 */
class DiagramBrowserTest {

  private static final int WIDTH = 1600;
  private static final int HEIGHT = 900;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern ELEMENT =
      Pattern.compile(
          "<g class=\"djs-element djs-(shape|connection)\" data-element-id=\"([^\"]+)\"");
  private static final Pattern RESULT = Pattern.compile("<pre id=\"result\">([^<]*)</pre>");

  @TempDir Path work;

  static List<Path> shipped() throws IOException {
    return DiagramInterchangeTest.shipped();
  }

  @ParameterizedTest
  @MethodSource("shipped")
  void bpmnJsDrawsTheRunbookWithoutWarnings(Path file) throws Exception {
    BpmnModelInstance model = DiagramInterchangeTest.read(file);
    Path page = page(file.getFileName().toString(), Files.readString(file));

    assertThat(problems(model, draw(page))).as(file.toString()).isEmpty();

    Path png = work.resolve("diagram.png");
    chromium("--screenshot=" + png, "--window-size=" + WIDTH + "," + HEIGHT, uri(page));
    BufferedImage image = ImageIO.read(png.toFile());
    assertThat(image).as("screenshot of " + file).isNotNull();
    assertThat(image.getWidth()).isEqualTo(WIDTH);
    assertThat(image.getHeight()).isEqualTo(HEIGHT);
    // The viewer fits the diagram to the window: a drawn runbook is ink across most of it.
    // The bottom strip holds the viewer's logo, which is there even when nothing is drawn.
    int inked = 0;
    int left = WIDTH;
    int right = 0;
    for (int y = 0; y < HEIGHT - 80; y++) {
      for (int x = 0; x < WIDTH; x++) {
        int rgb = image.getRGB(x, y);
        if (((rgb >> 16) & 0xff) < 128 && ((rgb >> 8) & 0xff) < 128 && (rgb & 0xff) < 128) {
          inked++;
          left = Math.min(left, x);
          right = Math.max(right, x);
        }
      }
    }
    assertThat(inked).as("dark pixels in the screenshot of " + file).isGreaterThan(2000);
    assertThat(right - left).as("width the diagram spans in " + file).isGreaterThan(WIDTH / 2);
  }

  /** The check above is worth something: the same runbook without its DI fails it. */
  @Test
  void aRunbookWithoutDiagramInterchangeFailsTheCheck() throws Exception {
    BpmnModelInstance model =
        DiagramInterchangeTest.read(DiagramInterchangeTest.RUNBOOKS.resolve("ssh-check.bpmn"));
    for (BpmnDiagram d : List.copyOf(model.getModelElementsByType(BpmnDiagram.class))) {
      d.getParentElement().removeChildElement(d);
    }
    Path page = page("no-di.bpmn", Bpmn.convertToString(model));

    assertThat(problems(model, draw(page))).isNotEmpty();
  }

  private record Drawing(JsonNode result, Set<String> shapes, Set<String> connections) {}

  /** What is wrong with a drawing of {@code model}; empty when nothing is. */
  private static List<String> problems(BpmnModelInstance model, Drawing d) {
    List<String> problems = new ArrayList<>();
    if (d.result().hasNonNull("error")) {
      problems.add("import failed: " + d.result().get("error").asText());
    }
    d.result().path("warnings").forEach(w -> problems.add("import warning: " + w.asText()));
    for (FlowNode n : model.getModelElementsByType(FlowNode.class)) {
      if (!d.shapes().contains(n.getId())) {
        problems.add("no shape drawn for " + n.getId());
      }
    }
    for (SequenceFlow f : model.getModelElementsByType(SequenceFlow.class)) {
      if (!d.connections().contains(f.getId())) {
        problems.add("no connection drawn for " + f.getId());
      }
    }
    return problems;
  }

  private Drawing draw(Path page) throws Exception {
    String dom = chromium("--dump-dom", uri(page));
    Matcher m = RESULT.matcher(dom);
    if (!m.find()) {
      fail("the page wrote no result: " + dom.substring(0, Math.min(dom.length(), 2000)));
    }
    String text = m.group(1).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&");
    JsonNode result = JSON.readTree(text);
    assertThat(result.path("done").asBoolean()).as("import finished: " + text).isTrue();
    Set<String> shapes = new HashSet<>();
    Set<String> connections = new HashSet<>();
    Matcher e = ELEMENT.matcher(dom);
    while (e.find()) {
      (e.group(1).equals("shape") ? shapes : connections).add(e.group(2));
    }
    return new Drawing(result, shapes, connections);
  }

  /** A page that imports {@code xml} with the bpmn-js viewer and writes what came of it. */
  private Path page(String name, String xml) throws IOException {
    Path viewer = work.resolve("bpmn-viewer.js");
    if (!Files.exists(viewer)) {
      Files.write(viewer, resource("dist/bpmn-viewer.production.min.js"));
    }
    String literal = JSON.writeValueAsString(xml).replace("</", "<\\/");
    String html =
        """
        <!DOCTYPE html>
        <html><head><meta charset="utf-8"><title>%s</title>
        <style>html, body, #canvas { margin: 0; width: 100%%; height: 100%%; background: #fff; }</style>
        </head><body><div id="canvas"></div><pre id="result">{"done": false}</pre>
        <script src="bpmn-viewer.js"></script>
        <script>
        const out = document.getElementById('result');
        const viewer = new BpmnJS({ container: '#canvas' });
        viewer.importXML(%s).then(function (r) {
          viewer.get('canvas').zoom('fit-viewport');
          out.textContent = JSON.stringify({ done: true, warnings: r.warnings.map(w => w.message) });
        }).catch(function (e) {
          out.textContent = JSON.stringify({ done: true, error: String(e),
              warnings: (e.warnings || []).map(w => w.message) });
        });
        </script></body></html>
        """
            .formatted(name, literal);
    Path page = work.resolve(name + ".html");
    Files.writeString(page, html, StandardCharsets.UTF_8);
    return page;
  }

  /** A file of the bpmn-js WebJar on the test classpath, whichever version the build has. */
  private static byte[] resource(String path) throws IOException {
    ClassLoader loader = DiagramBrowserTest.class.getClassLoader();
    Properties pom = new Properties();
    try (InputStream in =
        loader.getResourceAsStream("META-INF/maven/org.webjars.npm/bpmn-js/pom.properties")) {
      if (in == null) {
        fail("the bpmn-js WebJar is not on the test classpath (runbooks/pom.xml)");
      }
      pom.load(in);
    }
    String name = "META-INF/resources/webjars/bpmn-js/" + pom.getProperty("version") + "/" + path;
    try (InputStream in = loader.getResourceAsStream(name)) {
      if (in == null) {
        fail(name + " is not in the bpmn-js WebJar");
      }
      return in.readAllBytes();
    }
  }

  private static String uri(Path page) {
    return page.toUri().toString();
  }

  /** The virtual time budget lets the import (a promise) finish before Chromium reads the page. */
  private String chromium(String... args) throws IOException, InterruptedException {
    List<String> all = new ArrayList<>(List.of("--virtual-time-budget=10000"));
    all.addAll(List.of(args));
    return Chromium.run(work, all.toArray(String[]::new));
  }
}
