package org.vswitch4j.core.datapath;

/**
 * Code a poll thread runs on itself before its first round and after its last: where an I/O backend pins the
 * thread to a CPU (Open vSwitch's {@code pmd-cpu-mask}) or registers it with a native library (DPDK's
 * {@code rte_thread_register}, whose per-thread state only the thread itself can set up).
 *
 * <p>{@link #started} runs on poll thread {@code index} (0-based, in the order of {@code vsw-pmd-N}) before it
 * polls anything; when it throws, that thread polls nothing and the exception goes to the thread's uncaught
 * exception handler. {@link #stopping} runs on the same thread after its last round, also when the datapath
 * closes. Not called in synchronous mode (there is no poll thread).
 */
public interface PollThreadHook {

    /** Runs on poll thread {@code index} before its first round. */
    void started(int index);

    /** Runs on poll thread {@code index} after its last round. Default: nothing. */
    default void stopping(int index) {
    }
}
