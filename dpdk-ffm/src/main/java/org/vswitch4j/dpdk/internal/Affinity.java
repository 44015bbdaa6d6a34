package org.vswitch4j.dpdk.internal;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.BitSet;

/**
 * CPU affinity of the calling thread through libc's {@code sched_getaffinity}/{@code sched_setaffinity}
 * (pid 0 = the calling thread). A Java platform thread is a pthread, so this pins exactly that thread.
 */
@SuppressWarnings("restricted")
public final class Affinity {
    private Affinity() {
    }

    /** Bytes of a cpu_set_t as glibc defines it (1024 CPUs). */
    private static final int SET_BYTES = 128;
    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle GET = LINKER.downcallHandle(
            LINKER.defaultLookup().findOrThrow("sched_getaffinity"),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), Linker.Option.captureCallState("errno"));
    private static final MethodHandle SET = LINKER.downcallHandle(
            LINKER.defaultLookup().findOrThrow("sched_setaffinity"),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), Linker.Option.captureCallState("errno"));

    /** The CPUs the calling thread may run on. */
    public static BitSet allowed() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment set = a.allocate(SET_BYTES, 8);
            MemorySegment st = a.allocate(CAPTURE);
            int rc = (int) GET.invokeExact(st, 0, (long) SET_BYTES, set);
            if (rc != 0) {
                throw new IllegalStateException("sched_getaffinity failed, errno " + (int) ERRNO.get(st, 0L));
            }
            return BitSet.valueOf(set.toArray(JAVA_LONG));
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Pins the calling thread to {@code cpus}; throws with errno when the kernel refuses. */
    public static void pin(BitSet cpus) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment set = a.allocate(SET_BYTES, 8);
            long[] words = cpus.toLongArray();
            for (int i = 0; i < words.length && i < SET_BYTES / 8; i++) {
                set.setAtIndex(JAVA_LONG, i, words[i]);
            }
            MemorySegment st = a.allocate(CAPTURE);
            int rc = (int) SET.invokeExact(st, 0, (long) SET_BYTES, set);
            if (rc != 0) {
                throw new IllegalStateException("sched_setaffinity(" + cpus + ") failed, errno "
                        + (int) ERRNO.get(st, 0L) + " (22 = EINVAL: no allowed CPU in the set)");
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
