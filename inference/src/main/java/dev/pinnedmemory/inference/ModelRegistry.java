package dev.pinnedmemory.inference;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * The models a server serves, by name and version, with each model's metadata read once. A name may be
 * served by several models with different versions; a request without a version gets the latest (the
 * greatest version: as numbers when both are digits, else as text). Immutable after construction;
 * thread-safe.
 */
final class ModelRegistry {

    /** Versions compared as numbers when both are digits, else as text. */
    static final Comparator<String> VERSION_ORDER = (a, b) -> {
        boolean digitsA = !a.isEmpty() && a.chars().allMatch(Character::isDigit);
        boolean digitsB = !b.isEmpty() && b.chars().allMatch(Character::isDigit);
        if (digitsA && digitsB) {
            String x = stripZeros(a);
            String y = stripZeros(b);
            return x.length() != y.length() ? Integer.compare(x.length(), y.length()) : x.compareTo(y);
        }
        return a.compareTo(b);
    };

    /** One model with its metadata, read once, and its tensors by name. */
    record Entry(InferenceModel model, ModelMetadata metadata, Map<String, TensorMetadata> inputs,
                 Map<String, TensorMetadata> outputs) {

        String name() {
            return metadata.name();
        }

        /** {@return the latest of its versions, or null without versions} */
        @Nullable String latestVersion() {
            return metadata.versions().stream().max(VERSION_ORDER).orElse(null);
        }
    }

    /** A model chosen for a request: the entry and the version that serves it (null without versions). */
    record Resolved(Entry entry, @Nullable String version) {
    }

    private final Map<String, List<Entry>> byName;

    ModelRegistry(Collection<? extends InferenceModel> models) {
        Map<String, List<Entry>> named = new LinkedHashMap<>();
        for (InferenceModel model : models) {
            Objects.requireNonNull(model, "model");
            ModelMetadata metadata = model.metadata();
            if (metadata == null) {
                throw new IllegalStateException("model " + model.getClass().getName() + " returned no metadata()");
            }
            Entry entry = new Entry(model, metadata, byName(metadata.inputs()), byName(metadata.outputs()));
            List<Entry> same = named.computeIfAbsent(metadata.name(), name -> new ArrayList<>());
            for (Entry other : same) {
                if (metadata.versions().isEmpty() || other.metadata().versions().isEmpty()
                        || !Collections.disjoint(metadata.versions(), other.metadata().versions())) {
                    throw new IllegalStateException("two models named '" + metadata.name() + "' serve the same versions ("
                            + other.model().getClass().getName() + " " + other.metadata().versions() + " and "
                            + model.getClass().getName() + " " + metadata.versions()
                            + "): give each its own name, or each its own versions");
                }
            }
            same.add(entry);
        }
        named.replaceAll((name, entries) -> List.copyOf(entries));
        this.byName = Collections.unmodifiableMap(named);
    }

    /**
     * {@return the model serving {@code name} at {@code version}, or at its latest version when {@code version} is null}
     *
     * @throws InferenceException {@code NOT_FOUND} naming the models or versions there are
     */
    Resolved resolve(String name, @Nullable String version) {
        List<Entry> entries = byName.get(name);
        if (entries == null) {
            throw new InferenceException(InferenceException.Reason.NOT_FOUND, "unknown model '" + name + "' (models: "
                    + byName.keySet() + ")");
        }
        if (version == null || version.isEmpty()) {
            Entry latest = entries.getFirst();
            String latestVersion = latest.latestVersion();
            for (Entry entry : entries) {
                String candidate = entry.latestVersion();
                if (candidate != null && (latestVersion == null || VERSION_ORDER.compare(candidate, latestVersion) > 0)) {
                    latest = entry;
                    latestVersion = candidate;
                }
            }
            return new Resolved(latest, latestVersion);
        }
        for (Entry entry : entries) {
            if (entry.metadata().versions().contains(version)) {
                return new Resolved(entry, version);
            }
        }
        List<String> versions = entries.stream().flatMap(entry -> entry.metadata().versions().stream())
                .sorted(VERSION_ORDER).toList();
        throw new InferenceException(InferenceException.Reason.NOT_FOUND, "model '" + name + "' has no version '" + version
                + "' (versions: " + versions + ")");
    }

    /** {@return every model, in the order given, grouped by name} */
    List<Entry> entries() {
        return byName.values().stream().flatMap(List::stream).toList();
    }

    private static Map<String, TensorMetadata> byName(List<TensorMetadata> tensors) {
        Map<String, TensorMetadata> map = new LinkedHashMap<>();
        for (TensorMetadata tensor : tensors) {
            map.put(tensor.name(), tensor);
        }
        return Collections.unmodifiableMap(map);
    }

    private static String stripZeros(String digits) {
        int i = 0;
        while (i < digits.length() - 1 && digits.charAt(i) == '0') {
            i++;
        }
        return digits.substring(i);
    }
}
