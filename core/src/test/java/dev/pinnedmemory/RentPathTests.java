package dev.pinnedmemory;

import com.sun.jdi.Bootstrap;
import com.sun.jdi.Field;
import com.sun.jdi.Method;
import com.sun.jdi.ReferenceType;
import com.sun.jdi.StringReference;
import com.sun.jdi.ThreadReference;
import com.sun.jdi.VirtualMachine;
import com.sun.jdi.connect.Connector;
import com.sun.jdi.connect.LaunchingConnector;
import com.sun.jdi.event.BreakpointEvent;
import com.sun.jdi.event.ClassPrepareEvent;
import com.sun.jdi.event.Event;
import com.sun.jdi.event.EventSet;
import com.sun.jdi.event.MethodEntryEvent;
import com.sun.jdi.event.VMDeathEvent;
import com.sun.jdi.event.VMDisconnectEvent;
import com.sun.jdi.event.WatchpointEvent;
import com.sun.jdi.request.BreakpointRequest;
import com.sun.jdi.request.ClassPrepareRequest;
import com.sun.jdi.request.EventRequest;
import com.sun.jdi.request.EventRequestManager;
import com.sun.jdi.request.MethodEntryRequest;
import com.sun.jdi.request.WatchpointRequest;
import dev.pinnedmemory.backend.PageLockingBackends;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How many of the library's files a reader must open to follow a hit rent and its return: the
 * files whose code runs or whose fields are read or written (JDK classes not counted), measured,
 * not guessed. A child JVM runs {@link Probe} under the JDK's debugger interface (JDI), which
 * reports every method entered and every field accessed in {@code dev.pinnedmemory} on the
 * probe's thread between two marks; each event is charged to the file that declares the method or
 * field. {@code docs/ARCHITECTURE.md} ("3. A rent", "5. The way back") draws these paths; when a
 * count here changes, it changes there.
 *
 * <p>Field accesses made through a {@code VarHandle} are not reported by the debugger; every such
 * access in the library happens in a method of the file that declares the field, which is counted.
 */
class RentPathTests {

    /** Files of a hit {@code rent()} of a pool without clear-on-return, and of its {@code close()}. */
    @Test
    void aHitRentAndItsCloseShouldReadAtMostEightFiles() throws Exception {
        Map<String, Set<String>> path = trace("plain");
        print("rent() + close(), clearOnReturn off", path);

        assertThat(path.get("rent")).containsExactlyInAnyOrder("PinnedMemoryPool", "BlockPool", "SizeClasses",
                "IdleSlots", "NativeBlock", "PooledBlock", "PinnedBuffer");
        assertThat(path.get("close")).containsExactlyInAnyOrder("PinnedBuffer", "BlockPool", "PooledBlock",
                "NativeBlock", "SizeClasses", "IdleSlots", "MemoryBudget");
        assertThat(union(path)).hasSizeLessThanOrEqualTo(8);
    }

    /** The same with size classes and a length below its class: the lease is a view of the class's buffer. */
    @Test
    void aHitRentOfALengthAndItsCloseShouldReadTheSameFiles() throws Exception {
        Map<String, Set<String>> path = trace("length");
        print("rent(length) + close(), size classes, clearOnReturn off", path);

        assertThat(union(path)).containsExactlyInAnyOrderElementsOf(union(trace("plain")));
    }

    /**
     * With clear-on-return (the default) the return also raises the pool's zeroing flag and, when
     * the background thread sleeps, wakes it: one file more.
     */
    @Test
    void clearOnReturnShouldAddOnlyTheReclaimersWakeUp() throws Exception {
        Map<String, Set<String>> path = trace("clearing");
        print("rent() + close(), clearOnReturn on", path);

        Set<String> extra = union(path);
        extra.removeAll(union(trace("plain")));
        assertThat(extra).containsExactly("Reclaimer");
        assertThat(union(path)).hasSizeLessThanOrEqualTo(9);
    }

    private static Set<String> union(Map<String, Set<String>> path) {
        Set<String> all = new TreeSet<>();
        path.values().forEach(all::addAll);
        return all;
    }

    private static void print(String what, Map<String, Set<String>> path) {
        System.out.println(what + ": rent " + path.get("rent").size() + " files " + path.get("rent") + "; close "
                + path.get("close").size() + " files " + path.get("close") + "; together " + union(path).size());
    }

    /**
     * The measured program: a pool with one idle buffer, warmed by a few rents, then one rent and
     * one close between marks. Public API only, so the same probe measures any version of the code.
     */
    static final class Probe {

        public static void main(String[] args) {
            String mode = args[0];
            boolean clearing = mode.equals("clearing");
            boolean classes = mode.equals("length");
            try (PinnedMemoryPool<byte[]> pool = PinnedMemoryPool.builder(ElementType.BYTE)
                    .bufferSize(8192).minBufferSize(classes ? 1024 : 0).initialSize(1).maxSize(1)
                    .clearOnReturn(clearing).backend(PageLockingBackends.unlocked()).name("probe").build()) {
                int length = classes ? 1500 : 8192;   // 1500 bytes: from the 1536-byte class
                for (int i = 0; i < 3; i++) {
                    rentAndClose(pool, classes, length);
                }
                mark("rent");
                PinnedBuffer<byte[]> lease = classes ? pool.rent(length) : pool.rent();
                mark("close");
                lease.close();
                mark("end");
            }
        }

        private static void rentAndClose(PinnedMemoryPool<byte[]> pool, boolean classes, int length) {
            PinnedBuffer<byte[]> lease = classes ? pool.rent(length) : pool.rent();
            lease.copyFrom(new byte[16]);
            lease.close();
        }

        /** Where the tracer starts charging events to {@code phase}; a breakpoint stops here. */
        static void mark(String phase) {
            // Empty: the debugger reads the argument.
        }
    }

    /** Traces by mode: each probe JVM runs once per test class. */
    private static final Map<String, Map<String, Set<String>>> TRACES = new ConcurrentHashMap<>();

    /** {@return for each phase ("rent", "close"), the files whose code or fields the probe's thread touched} */
    private static Map<String, Set<String>> trace(String mode) throws Exception {
        Map<String, Set<String>> traced = TRACES.get(mode);
        if (traced == null) {
            traced = launchAndTrace(mode);
            TRACES.put(mode, traced);
        }
        return traced;
    }

    private static Map<String, Set<String>> launchAndTrace(String mode) throws Exception {
        LaunchingConnector launcher = Bootstrap.virtualMachineManager().defaultConnector();
        Map<String, Connector.Argument> arguments = launcher.defaultArguments();
        arguments.get("main").setValue(Probe.class.getName() + " " + mode);
        arguments.get("options").setValue("-cp " + System.getProperty("java.class.path")
                + " --enable-native-access=ALL-UNNAMED -Xint");
        VirtualMachine vm = launcher.launch(arguments);
        drain(vm.process().getInputStream());
        drain(vm.process().getErrorStream());
        EventRequestManager requests = vm.eventRequestManager();
        ClassPrepareRequest prepare = requests.createClassPrepareRequest();
        prepare.addClassFilter(Probe.class.getName());
        prepare.enable();

        Map<String, Set<String>> files = new LinkedHashMap<>();
        List<EventRequest> watching = new ArrayList<>();
        String phase = null;
        try {
            vm.resume();
            events:
            while (true) {
                EventSet events = vm.eventQueue().remove(60_000);
                if (events == null) {
                    throw new AssertionError("the probe JVM (" + mode + ") stopped answering");
                }
                for (Event event : events) {
                    switch (event) {
                        case ClassPrepareEvent prepared -> {
                            Method mark = prepared.referenceType().methodsByName("mark").getFirst();
                            BreakpointRequest breakpoint = requests.createBreakpointRequest(mark.location());
                            breakpoint.setSuspendPolicy(EventRequest.SUSPEND_EVENT_THREAD);
                            breakpoint.enable();
                        }
                        case BreakpointEvent breakpoint -> {
                            String next = ((StringReference) breakpoint.thread().frame(0).getArgumentValues().getFirst())
                                    .value();
                            if (phase == null) {
                                watching.addAll(watch(vm, breakpoint.thread()));
                            }
                            phase = next.equals("end") ? null : next;
                            if (phase == null) {
                                requests.deleteEventRequests(watching);
                                watching.clear();
                            } else {
                                files.put(phase, new TreeSet<>());
                            }
                        }
                        case MethodEntryEvent entered -> {
                            if (phase != null) {
                                files.get(phase).add(file(entered.method().declaringType()));
                            }
                        }
                        case WatchpointEvent accessed -> {
                            if (phase != null) {
                                files.get(phase).add(file(accessed.field().declaringType()));
                            }
                        }
                        case VMDeathEvent death -> {
                            break events;
                        }
                        case VMDisconnectEvent disconnect -> {
                            break events;
                        }
                        default -> {
                        }
                    }
                }
                events.resume();
            }
        } finally {
            if (vm.process().isAlive()) {
                vm.process().destroy();
            }
        }
        assertThat(files).as("phases the probe (" + mode + ") marked").containsOnlyKeys("rent", "close");
        return files;
    }

    /** Reports, on {@code thread} only, every method entered and every field read or written in the library. */
    private static List<EventRequest> watch(VirtualMachine vm, ThreadReference thread) {
        EventRequestManager requests = vm.eventRequestManager();
        List<EventRequest> made = new ArrayList<>();
        MethodEntryRequest entries = requests.createMethodEntryRequest();
        entries.addClassFilter("dev.pinnedmemory.*");
        entries.addClassExclusionFilter(RentPathTests.class.getName() + "*");
        made.add(entries);
        for (ReferenceType type : vm.allClasses()) {
            if (!type.name().startsWith("dev.pinnedmemory.") || type.name().startsWith(RentPathTests.class.getName())) {
                continue;
            }
            for (Field field : type.fields()) {
                WatchpointRequest read = requests.createAccessWatchpointRequest(field);
                WatchpointRequest write = requests.createModificationWatchpointRequest(field);
                made.add(read);
                made.add(write);
            }
        }
        for (EventRequest request : made) {
            request.setSuspendPolicy(EventRequest.SUSPEND_NONE);
            switch (request) {
                case MethodEntryRequest entry -> entry.addThreadFilter(thread);
                case WatchpointRequest field -> field.addThreadFilter(thread);
                default -> throw new IllegalStateException(request.toString());
            }
            request.enable();
        }
        return made;
    }

    /** {@return the file that declares {@code type}: its top-level class's simple name} */
    private static String file(ReferenceType type) {
        String name = type.name().substring(type.name().lastIndexOf('.') + 1);
        int nested = name.indexOf('$');
        return nested < 0 ? name : name.substring(0, nested);
    }

    private static void drain(InputStream stream) {
        Thread.ofPlatform().daemon().start(() -> {
            try {
                stream.transferTo(System.out);
            } catch (IOException ignored) {
                // The probe ended.
            }
        });
    }
}
