package dev.pinnedmemory.inference;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Models by name and version: the latest by default, each version to its model, conflicts refused at start. */
class ModelRegistryTests {

    private static TestModels.Scripted model(String name, String... versions) {
        return new TestModels.Scripted(TestModels.metadata(name, List.of(versions), new TensorMetadata("X", "FP32", List.of(1L)),
                new TensorMetadata("Y", "FP32", List.of(1L))), request -> InferenceResponse.builder().build());
    }

    @Test
    void aRequestWithoutVersionShouldGetTheGreatestVersionComparedAsNumbers() {
        TestModels.Scripted old = model("m", "2", "9");
        TestModels.Scripted current = model("m", "10");
        ModelRegistry registry = new ModelRegistry(List.of(old, current));
        assertThat(registry.resolve("m", null).entry().model()).isSameAs(current);
        assertThat(registry.resolve("m", null).version()).isEqualTo("10");
        assertThat(registry.resolve("m", "").version()).isEqualTo("10");
        assertThat(registry.resolve("m", "9").entry().model()).isSameAs(old);
    }

    @Test
    void aModelWithoutVersionsShouldServeWithoutOne() {
        ModelRegistry registry = new ModelRegistry(List.of(model("plain")));
        assertThat(registry.resolve("plain", null).version()).isNull();
        assertThatThrownBy(() -> registry.resolve("plain", "1")).isInstanceOf(InferenceException.class)
                .hasMessage("model 'plain' has no version '1' (versions: [])");
    }

    @Test
    void twoModelsServingTheSameVersionShouldBeRefusedNamingBoth() {
        assertThatThrownBy(() -> new ModelRegistry(List.of(model("m", "1"), model("m", "1", "2"))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("two models named 'm' serve the same versions")
                .hasMessageContaining("[1] and ").hasMessageContaining("[1, 2]");
        assertThatThrownBy(() -> new ModelRegistry(List.of(model("m"), model("m", "2"))))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void metadataShouldRefuseWhatNoUrlOrClientCouldUse() {
        assertThatThrownBy(() -> model("a/b")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("model name: 'a/b' (expected: not blank, without '/'");
        assertThatThrownBy(() -> model("m", "1", "1")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("versions [1, 1] (expected: unique");
        assertThatThrownBy(() -> new TensorMetadata("X", "fp32", List.of(1L))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown datatype 'fp32'");
        assertThatThrownBy(() -> new TensorMetadata("X", "FP32", List.of(-2L))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("shape [-2] (expected: sizes of at least 0, or -1 for any size)");
    }

    @Test
    void datatypesShouldHaveTheProtocolsElementSizes() {
        assertThat(List.of(Datatype.values())).extracting(Datatype::name, Datatype::byteSize).containsExactly(
                org.assertj.core.groups.Tuple.tuple("BOOL", 1), org.assertj.core.groups.Tuple.tuple("UINT8", 1),
                org.assertj.core.groups.Tuple.tuple("UINT16", 2), org.assertj.core.groups.Tuple.tuple("UINT32", 4),
                org.assertj.core.groups.Tuple.tuple("UINT64", 8), org.assertj.core.groups.Tuple.tuple("INT8", 1),
                org.assertj.core.groups.Tuple.tuple("INT16", 2), org.assertj.core.groups.Tuple.tuple("INT32", 4),
                org.assertj.core.groups.Tuple.tuple("INT64", 8), org.assertj.core.groups.Tuple.tuple("FP16", 2),
                org.assertj.core.groups.Tuple.tuple("BF16", 2), org.assertj.core.groups.Tuple.tuple("FP32", 4),
                org.assertj.core.groups.Tuple.tuple("FP64", 8), org.assertj.core.groups.Tuple.tuple("BYTES", 0));
        assertThat(Datatype.BYTES.isVariableSize()).isTrue();
        assertThatThrownBy(() -> Datatype.parse("STRING")).hasMessageStartingWith("unknown datatype 'STRING' (expected one of [BOOL,");
    }
}
