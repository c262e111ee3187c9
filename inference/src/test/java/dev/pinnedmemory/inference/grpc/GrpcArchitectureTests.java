package dev.pinnedmemory.inference.grpc;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/** The gRPC transport's boundary: two public types (Netty known to one), no Spring, no protobuf message or ByteString, and the rules free of it. */
class GrpcArchitectureTests {

    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("dev.pinnedmemory.inference");

    @Test
    void onlyTheServiceAndTheFrameSizeShouldBePublic() {
        classes().that().resideInAPackage("dev.pinnedmemory.inference.grpc").and().arePublic()
                .should().haveFullyQualifiedName(GrpcInferenceService.class.getName())
                .orShould().haveFullyQualifiedName(NettyFrameSize.class.getName()).check(CLASSES);
    }

    @Test
    void onlyTheFrameSizeShouldKnowNetty() {
        // The service runs on any grpc-java transport; grpc-netty and Netty are NettyFrameSize's alone.
        noClasses().that().resideInAPackage("dev.pinnedmemory.inference.grpc..")
                .and().haveNameNotMatching(".*\\.NettyFrameSize(\\$.*)?")
                .should().dependOnClassesThat().resideInAnyPackage("io.netty..", "io.grpc.netty..").check(CLASSES);
    }

    @Test
    void noTensorShouldGoThroughProtobufMessagesOrByteStrings() {
        noClasses().that().resideInAPackage("dev.pinnedmemory.inference.grpc..").should().dependOnClassesThat()
                .haveFullyQualifiedName("com.google.protobuf.ByteString")
                .orShould().dependOnClassesThat().areAssignableTo("com.google.protobuf.MessageLite")
                .check(CLASSES);
    }

    @Test
    void theTransportShouldNotNeedSpringAndTheRulesShouldNotNeedTheTransport() {
        noClasses().that().resideInAPackage("dev.pinnedmemory.inference.grpc..").should().dependOnClassesThat()
                .resideInAPackage("org.springframework..").check(CLASSES);
        noClasses().that().resideInAPackage("dev.pinnedmemory.inference").should().dependOnClassesThat()
                .resideInAnyPackage("dev.pinnedmemory.inference.grpc..", "io.grpc..", "com.google.protobuf..").check(CLASSES);
    }
}
