package dev.runbook.lab.kubelet;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * The part of a static pod manifest that the simulator acts on: containers with their command,
 * environment and volume mounts, and the pod's hostPath volumes.
 */
record StaticPod(
    String name, String namespace, List<Container> containers, Map<String, HostPath> volumes) {

  record Container(
      String name,
      String image,
      List<String> command,
      Map<String, String> env,
      List<Mount> mounts) {}

  record Mount(String volume, String mountPath) {}

  /** A hostPath volume; {@code type} is kept as written ("" when absent). */
  record HostPath(String path, String type) {}

  /** Thrown for a manifest the kubelet would refuse; the message says what is wrong. */
  static final class InvalidManifestException extends Exception {
    InvalidManifestException(String message) {
      super(message);
    }
  }

  static StaticPod parse(String text) throws InvalidManifestException {
    Object root;
    try {
      root = new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
    } catch (YAMLException e) {
      throw new InvalidManifestException("not valid YAML: " + e.getMessage());
    }
    Map<String, Object> pod = map(root, "the document");
    if (!"Pod".equals(pod.get("kind"))) {
      throw new InvalidManifestException("kind must be Pod, found " + pod.get("kind"));
    }
    Map<String, Object> metadata = map(pod.get("metadata"), "metadata");
    String name = string(metadata.get("name"), "metadata.name");
    Object ns = metadata.get("namespace");
    Map<String, Object> spec = map(pod.get("spec"), "spec");

    Map<String, HostPath> volumes = new LinkedHashMap<>();
    for (Object v : list(spec.getOrDefault("volumes", List.of()), "spec.volumes")) {
      Map<String, Object> volume = map(v, "spec.volumes[]");
      String volumeName = string(volume.get("name"), "spec.volumes[].name");
      if (volume.get("hostPath") != null) {
        Map<String, Object> hostPath =
            map(volume.get("hostPath"), "hostPath of volume " + volumeName);
        String path = string(hostPath.get("path"), "hostPath.path of volume " + volumeName);
        if (!path.startsWith("/")) {
          throw new InvalidManifestException(
              "hostPath.path of volume " + volumeName + " must be absolute: " + path);
        }
        Object type = hostPath.get("type");
        volumes.put(volumeName, new HostPath(path, type == null ? "" : type.toString()));
      }
    }

    List<Container> containers = new ArrayList<>();
    List<Object> containerList = list(spec.get("containers"), "spec.containers");
    if (containerList.isEmpty()) {
      throw new InvalidManifestException("spec.containers is empty");
    }
    for (Object c : containerList) {
      Map<String, Object> container = map(c, "spec.containers[]");
      String containerName = string(container.get("name"), "spec.containers[].name");
      List<String> command = new ArrayList<>();
      for (String key : List.of("command", "args")) {
        for (Object arg : list(container.getOrDefault(key, List.of()), containerName + "." + key)) {
          command.add(String.valueOf(arg));
        }
      }
      if (command.isEmpty()) {
        throw new InvalidManifestException("container " + containerName + " has no command");
      }
      Map<String, String> env = new LinkedHashMap<>();
      for (Object e : list(container.getOrDefault("env", List.of()), containerName + ".env")) {
        Map<String, Object> entry = map(e, containerName + ".env[]");
        env.put(
            string(entry.get("name"), containerName + ".env[].name"),
            String.valueOf(entry.getOrDefault("value", "")));
      }
      List<Mount> mounts = new ArrayList<>();
      for (Object m :
          list(
              container.getOrDefault("volumeMounts", List.of()), containerName + ".volumeMounts")) {
        Map<String, Object> mount = map(m, containerName + ".volumeMounts[]");
        String volume = string(mount.get("name"), containerName + ".volumeMounts[].name");
        String mountPath =
            string(mount.get("mountPath"), containerName + ".volumeMounts[].mountPath");
        if (!volumes.containsKey(volume)) {
          throw new InvalidManifestException(
              "volumeMount "
                  + volume
                  + " of container "
                  + containerName
                  + " names no hostPath volume");
        }
        mounts.add(new Mount(volume, mountPath));
      }
      Object image = container.get("image");
      containers.add(
          new Container(
              containerName,
              image == null ? "" : image.toString(),
              List.copyOf(command),
              env,
              List.copyOf(mounts)));
    }
    return new StaticPod(
        name, ns == null ? "default" : ns.toString(), List.copyOf(containers), volumes);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object value, String what)
      throws InvalidManifestException {
    if (value instanceof Map<?, ?> m) {
      return (Map<String, Object>) m;
    }
    throw new InvalidManifestException(what + " must be a mapping");
  }

  @SuppressWarnings("unchecked")
  private static List<Object> list(Object value, String what) throws InvalidManifestException {
    if (value instanceof List<?> l) {
      return (List<Object>) l;
    }
    throw new InvalidManifestException(what + " must be a list");
  }

  private static String string(Object value, String what) throws InvalidManifestException {
    if (value == null || value.toString().isBlank()) {
      throw new InvalidManifestException(what + " is required");
    }
    return value.toString();
  }
}
