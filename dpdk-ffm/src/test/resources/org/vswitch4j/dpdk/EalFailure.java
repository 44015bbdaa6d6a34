// Run by DpdkErrorsTest in a JVM of its own (the EAL can be started once per process): an EAL that refuses its
// arguments must come back as a DpdkException with the fix, refuse a second start, and leave the JVM running.
import org.vswitch4j.dpdk.Dpdk;
import org.vswitch4j.dpdk.DpdkException;

public class EalFailure {
    public static void main(String[] args) {
        try {
            Dpdk.builder().hugepages(false).filePrefix("vsd-fail").extraArgs("--vsd-no-such-option").start();
            System.out.println("STARTED");
        } catch (DpdkException e) {
            System.out.println("FIRST " + e.getMessage());
        }
        try {
            Dpdk.builder().hugepages(false).filePrefix("vsd-fail").start();
            System.out.println("STARTED");
        } catch (DpdkException e) {
            System.out.println("SECOND " + e.getMessage());
        }
        System.out.println("ALIVE");
    }
}
