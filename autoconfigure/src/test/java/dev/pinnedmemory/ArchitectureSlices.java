package dev.pinnedmemory;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;

/** Every package of the library its own slice, the root package too (ArchUnit's patterns only capture subpackages). */
public final class ArchitectureSlices {

    public static final SliceAssignment BY_PACKAGE = new SliceAssignment() {
        @Override
        public SliceIdentifier getIdentifierOf(JavaClass javaClass) {
            return javaClass.getPackageName().startsWith("dev.pinnedmemory")
                    ? SliceIdentifier.of(javaClass.getPackageName()) : SliceIdentifier.ignore();
        }

        @Override
        public String getDescription() {
            return "packages of dev.pinnedmemory";
        }
    };

    private ArchitectureSlices() {
    }
}
