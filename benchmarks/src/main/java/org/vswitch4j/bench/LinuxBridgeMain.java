package org.vswitch4j.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.vswitch4j.core.Switch;
import org.vswitch4j.core.bridge.Bridge;
import org.vswitch4j.core.bridge.BridgePortConfig;
import org.vswitch4j.core.port.Port;
import org.vswitch4j.io.linux.AfXdpPort;
import org.vswitch4j.io.linux.TapPort;
import org.vswitch4j.io.linux.XdpUmem;

/**
 * vswitch4j as a switch between Linux devices, for {@code linux-io-side-by-side.sh}: one NORMAL bridge over the
 * TAP and AF_XDP ports named on the command line (AF_XDP ports share one UMEM), one poll thread, until the
 * process is told to stop (SIGTERM or SIGINT); then it prints each port's counters and closes everything.
 * <pre>
 *   java -cp benchmarks.jar org.vswitch4j.bench.LinuxBridgeMain [--xdp-ring SIZE]
 *       [--tap[-syscalls|-offload] NAME[@NETNS]]... [--xdp NAME[@NETNS]]... [--xdp-busy NAME[@NETNS]]...
 * </pre>
 * A TAP is created (or attached) in NETNS ({@code --tap-syscalls}: without io_uring; {@code --tap-offload}: with
 * IFF_VNET_HDR checksum and TCP segmentation offloads); an AF_XDP port opens device NAME in NETNS
 * ({@code --xdp-busy}: a port whose poll thread never sleeps; {@code --xdp-ring}: the rings' size, 2048 unless
 * given). Prints "ready" once every port is added and the poll thread runs.
 */
public final class LinuxBridgeMain {
    private LinuxBridgeMain() {
    }

    public static void main(String[] args) throws Exception {
        List<Port> ports = new ArrayList<>();
        XdpUmem umem = null;
        int ring = 2048;
        for (int i = 0; i + 1 < args.length; i += 2) {
            String[] spec = args[i + 1].split("@", 2);
            String ns = spec.length > 1 ? spec[1] : null;
            switch (args[i]) {
                case "--tap", "--tap-syscalls", "--tap-offload" -> {
                    TapPort.Builder b = TapPort.builder(spec[0]).ioUring(!args[i].equals("--tap-syscalls"))
                            .offloads(args[i].equals("--tap-offload"));
                    if (ns != null) {
                        b.namespace(ns);
                    }
                    ports.add(b.build());
                }
                case "--xdp", "--xdp-busy" -> {
                    if (umem == null) {
                        umem = XdpUmem.builder().frames(Math.max(16384, 8 * ring)).build();
                    }
                    AfXdpPort.Builder b = AfXdpPort.builder(spec[0]).umem(umem).ringSize(ring)
                            .busyPoll(args[i].equals("--xdp-busy"));
                    if (ns != null) {
                        b.namespace(ns);
                    }
                    ports.add(b.build());
                }
                case "--xdp-ring" -> ring = Integer.parseInt(spec[0]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + "; allowed: --tap NAME[@NETNS], --tap-syscalls NAME[@NETNS], --tap-offload NAME[@NETNS],"
                        + " --xdp NAME[@NETNS], --xdp-busy NAME[@NETNS], --xdp-ring SIZE (before the first --xdp)");
            }
        }
        if (ports.isEmpty()) {
            throw new IllegalArgumentException("no ports: give --tap NAME[@NETNS] or --xdp NAME[@NETNS]");
        }
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stop.countDown();
            try {
                done.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        try (Switch sw = Switch.builder().pollThreads(1).build()) {
            Bridge br = sw.addBridge("br0");
            for (Port p : ports) {
                br.addPort(p, BridgePortConfig.builder(p.name()).build());
            }
            sw.datapath().start();
            System.out.println("ready");
            System.out.flush();
            stop.await();
            for (Port p : ports) {
                System.out.println(p.stats().format(p.name()));
                if (p instanceof AfXdpPort x) {
                    long[] k = x.kernelStatistics();
                    System.out.printf("           kernel: rx_dropped=%d rx_ring_full=%d fill_ring_empty=%d"
                            + " tx_invalid=%d kicks=%d%n", k[0], k[3], k[4], k[2], x.kicks());
                }
            }
        } finally {
            for (Port p : ports) {
                p.close();
            }
            if (umem != null) {
                umem.close();
            }
            done.countDown();
        }
    }
}
