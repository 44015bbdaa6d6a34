package org.vswitch4j.tunnel;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringDatagramChannel;
import io.netty.channel.uring.IoUringIoHandler;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.vswitch4j.core.packet.Packet;
import org.vswitch4j.core.packet.PacketBatch;
import org.vswitch4j.core.packet.PacketMemory;
import org.vswitch4j.core.ring.LongRing;
import org.vswitch4j.core.ring.MpscLongRing;
import org.vswitch4j.core.ring.SpscLongRing;

/**
 * The kernel UDP socket underlay for VXLAN and Geneve, on Netty's native epoll transport (or io_uring): no root, no
 * devices; the kernel routes, resolves neighbours and builds the outer IP and UDP headers.
 *
 * <h2>Receive</h2>
 * The socket's event loop reads datagrams (with epoll in batches through {@code recvmmsg}:
 * {@code MAX_DATAGRAM_PAYLOAD_SIZE} and a fixed receive allocator of {@value #RECV_BATCH} datagrams), copies each into a
 * buffer of the port's memory at its headroom, writes the outer addresses and the length into the buffer's first
 * bytes (headroom nobody uses yet) and offers the handle to an SPSC ring; the tunnel port's poll thread drains it
 * ({@link #receive}). A full ring or an exhausted memory drops and counts.
 *
 * <h2>Send</h2>
 * {@link #send} takes frames with their whole outer header pushed ({@link TunnelEncap}), writes each frame's offset and
 * length into the buffer's first bytes and offers the handle to an MPSC ring, then schedules one drain on the event
 * loop per burst (a flag, so that a busy sender schedules one task, not one per burst). The drain reads the outer
 * destination address and UDP port from the pushed header, copies the UDP payload into a pooled Netty buffer and
 * writes it (epoll batches the flush into {@code sendmmsg}); one flush per drain.
 *
 * <p>What the kernel decides, not the options: the outer source port is the socket's (entropy is lost), TTL is the
 * kernel's default, DF follows the kernel's path MTU discovery, the UDP checksum is always computed. {@code tos}, when
 * fixed, becomes the socket's {@code IP_TOS}. Native tunnelling (the switch's own outer headers) keeps them all.
 *
 * <p>Allocation: the socket path allocates a Netty {@code DatagramPacket} per datagram (Netty's API); the encap and
 * decap themselves (in the datapath and the tunnel port) do not.
 *
 * <p>Thread-safety: see {@link Underlay}. The event loop is the only thread that touches the socket.
 */
public final class UdpUnderlay implements Underlay {
    /** Which Netty transport carries the socket. */
    public enum Transport {
        /** Netty's native epoll transport (the default: batched receive and send). */
        EPOLL,
        /** Netty 4.2's io_uring transport, where the kernel allows io_uring. */
        IO_URING
    }

    static final int RECV_BATCH = 16;
    static final int RING = 4096;
    /** Metadata bytes at a received buffer's start: IPv4 source, local IPv4, length, family (4 or 6), IPv6 source, local IPv6. */
    private static final int META = 48;

    private final PacketMemory memory;
    private final EventLoopGroup group;
    private final Channel channel;
    private final LongRing rxRing = new SpscLongRing(RING);
    private final LongRing txRing = new MpscLongRing(RING);
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final AtomicReference<Runnable> wakeup = new AtomicReference<>();
    private final Runnable drain = this::drainTx;
    private final LongAdder rxDropped = new LongAdder();
    private final LongAdder txDropped = new LongAdder();
    private final int localV4;
    private final byte[] localV6;
    private final int headroom;
    // ---- event loop only ----
    private final ByteBuffer rxView;
    private final ByteBuffer txView;
    private final Map<Long, InetSocketAddress> v4Remotes = new HashMap<>();
    private final Map<String, InetSocketAddress> v6Remotes = new HashMap<>();
    private final long[] handles = new long[PacketBatch.DEFAULT_BURST];
    private volatile boolean closed;

    private UdpUnderlay(TunnelConfig cfg, PacketMemory memory, Transport transport) {
        if (!cfg.type().udp()) {
            throw new IllegalArgumentException(cfg.type().ovsName() + " is not carried over UDP; the socket underlay"
                    + " takes vxlan and geneve");
        }
        if (memory.headroom() < META + 64) {
            throw new IllegalArgumentException("packet memory headroom " + memory.headroom() + " is below " + (META + 64)
                    + " bytes, too little for tunnel headers");
        }
        if (memory.region().byteSize() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("packet memory of " + memory.region().byteSize() + " bytes is over 2 GiB,"
                    + " which the socket underlay cannot view");
        }
        this.memory = memory;
        this.headroom = memory.headroom();
        this.rxView = memory.region().asByteBuffer();
        this.txView = memory.region().asByteBuffer();
        InetAddress local = cfg.local();
        this.localV4 = local instanceof Inet4Address ? Ip4.toInt(local.getAddress()) : 0;
        this.localV6 = local instanceof Inet4Address ? new byte[16] : local.getAddress();
        IoHandlerFactory factory;
        Class<? extends DatagramChannel> type;
        if (transport == Transport.IO_URING) {
            if (!IoUring.isAvailable()) {
                throw new IllegalStateException("io_uring is not available here: " + IoUring.unavailabilityCause());
            }
            factory = IoUringIoHandler.newFactory();
            type = IoUringDatagramChannel.class;
        } else {
            if (!Epoll.isAvailable()) {
                throw new IllegalStateException("Netty's epoll transport is not available: " + Epoll.unavailabilityCause());
            }
            factory = EpollIoHandler.newFactory();
            type = EpollDatagramChannel.class;
        }
        this.group = new MultiThreadIoEventLoopGroup(1, factory);
        int payload = memory.bufferSize() - headroom;
        Bootstrap b = new Bootstrap().group(group).channel(type)
                .option(ChannelOption.SO_RCVBUF, 4 << 20)
                .option(ChannelOption.SO_SNDBUF, 4 << 20)
                .handler(new Receiver());
        if (transport == Transport.EPOLL) {
            b.option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, payload)
                    .option(ChannelOption.RECVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(payload * RECV_BATCH));
        }
        if (cfg.tos() > 0) {
            b.option(ChannelOption.IP_TOS, cfg.tos());
        }
        try {
            this.channel = b.bind(new InetSocketAddress(local, cfg.dstPort())).syncUninterruptibly().channel();
        } catch (RuntimeException e) {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw new IllegalStateException("cannot bind the " + cfg.type().ovsName() + " socket to "
                    + local.getHostAddress() + ":" + cfg.dstPort() + ": " + e.getMessage(), e);
        }
    }

    /** Opens a socket bound to {@code local_ip:dst_port} of {@code cfg} that receives into {@code memory}. */
    public static UdpUnderlay open(TunnelConfig cfg, PacketMemory memory, Transport transport) {
        return new UdpUnderlay(cfg, memory, transport);
    }

    /** The bound local address (the port actually bound when {@code dst_port} was given as such). */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) channel.localAddress();
    }

    // ---- receive ----

    /** Event loop: datagram → buffer → ring. */
    private final class Receiver extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            DatagramPacket d = (DatagramPacket) msg;
            try {
                accept(d);
            } finally {
                d.release();
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            Runnable w = wakeup.getAndSet(null);
            if (w != null) {
                w.run();
            }
        }
    }

    private void accept(DatagramPacket d) {
        ByteBuf c = d.content();
        int len = c.readableBytes();
        if (closed || headroom + len > memory.bufferSize()) {
            rxDropped.increment();
            return;
        }
        long h = memory.allocate();
        if (h < 0) {
            rxDropped.increment();
            return;
        }
        int base = (int) memory.bufferOffset(h);
        rxView.limit(base + headroom + len).position(base + headroom);
        c.getBytes(c.readerIndex(), rxView);
        InetAddress src = d.sender().getAddress();
        MemorySegment r = memory.region();
        boolean v4 = src instanceof Inet4Address;
        r.set(Packet.BE_INT, base, v4 ? Ip4.toInt(src.getAddress()) : 0);
        r.set(Packet.BE_INT, base + 4, localV4);
        r.set(Packet.BE_INT, base + 8, len);
        r.set(Packet.BE_INT, base + 12, v4 ? 4 : 6);
        if (!v4) {
            MemorySegment.copy(src.getAddress(), 0, r, ValueLayout.JAVA_BYTE, base + 16, 16);
            MemorySegment.copy(localV6, 0, r, ValueLayout.JAVA_BYTE, base + 32, 16);
        }
        if (!rxRing.offer(h)) {
            memory.release(h);
            rxDropped.increment();
        }
    }

    @Override
    public int receive(PacketBatch batch) {
        int n = 0;
        MemorySegment r = memory.region();
        while (!batch.isFull()) {
            long h = rxRing.poll();
            if (h == LongRing.EMPTY) {
                break;
            }
            long base = memory.bufferOffset(h);
            Packet p = batch.add();
            p.bind(memory, h, headroom, r.get(Packet.BE_INT, base + 8));
            p.tunnel(0, r.get(Packet.BE_INT, base), r.get(Packet.BE_INT, base + 4));
            if (r.get(Packet.BE_INT, base + 12) == 6) {
                p.tunnelIpv6(r.get(Packet.BE_LONG, base + 16), r.get(Packet.BE_LONG, base + 24),
                        r.get(Packet.BE_LONG, base + 32), r.get(Packet.BE_LONG, base + 40));
            }
            n++;
        }
        return n;
    }

    @Override
    public boolean armRxWakeup(Runnable w) {
        wakeup.set(w);
        if (rxRing.size() > 0) {
            Runnable again = wakeup.getAndSet(null);
            if (again != null) {
                again.run();
            }
        }
        return true;
    }

    // ---- send ----

    @Override
    public void send(PacketBatch batch) {
        int n = batch.size();
        MemorySegment r = memory.region();
        for (int i = 0; i < n; i++) {
            Packet p = batch.get(i);
            if (closed || p.dataOffset() < 8 || p.memory() != memory) {
                txDropped.increment(); // another memory's buffer cannot be viewed by this underlay
                p.release();
                continue;
            }
            long base = memory.bufferOffset(p.handle());
            r.set(Packet.BE_INT, base, p.dataOffset());
            r.set(Packet.BE_INT, base + 4, p.length());
            long h = p.handle();
            p.unbind();
            if (!txRing.offer(h)) {
                txDropped.increment();
                memory.release(h);
            }
        }
        batch.size(0);
        if (!drainScheduled.getAndSet(true)) {
            channel.eventLoop().execute(drain);
        }
    }

    /** Event loop: ring → socket. */
    private void drainTx() {
        drainScheduled.set(false);
        MemorySegment r = memory.region();
        boolean wrote = false;
        int n;
        while ((n = txRing.drain(handles, 0, handles.length)) > 0) {
            for (int i = 0; i < n; i++) {
                long h = handles[i];
                try {
                    wrote |= sendOne(r, h);
                } finally {
                    memory.release(h);
                }
            }
        }
        if (wrote) {
            channel.flush();
        }
    }

    private boolean sendOne(MemorySegment r, long h) {
        int base = (int) memory.bufferOffset(h);
        int at = base + r.get(Packet.BE_INT, base);
        int len = r.get(Packet.BE_INT, base + 4);
        if (closed || !channel.isWritable() || len < TunnelEncap.ETH + 28) {
            txDropped.increment();
            return false;
        }
        int type = Short.toUnsignedInt(r.get(Packet.BE_SHORT, at + 12));
        int udp;
        InetSocketAddress to;
        if (type == 0x0800) {
            udp = at + TunnelEncap.ETH + 4 * (r.get(java.lang.foreign.ValueLayout.JAVA_BYTE, at + TunnelEncap.ETH) & 0xf);
            int dst = r.get(Packet.BE_INT, at + TunnelEncap.ETH + 16);
            int dport = Short.toUnsignedInt(r.get(Packet.BE_SHORT, udp + 2));
            to = v4Remotes.computeIfAbsent(Integer.toUnsignedLong(dst) << 16 | dport,
                    k -> new InetSocketAddress(Ip4.address(Ip4.toBytes(dst)), dport));
        } else if (type == 0x86dd && len >= TunnelEncap.ETH + 48) {
            udp = at + TunnelEncap.ETH + 40;
            byte[] dst = new byte[16];
            MemorySegment.copy(r, java.lang.foreign.ValueLayout.JAVA_BYTE, at + TunnelEncap.ETH + 24, dst, 0, 16);
            int dport = Short.toUnsignedInt(r.get(Packet.BE_SHORT, udp + 2));
            to = v6Remotes.computeIfAbsent(java.util.HexFormat.of().formatHex(dst) + "/" + dport,
                    k -> new InetSocketAddress(Ip4.address(dst), dport));
        } else {
            txDropped.increment();
            return false;
        }
        int payload = udp + 8;
        int plen = at + len - payload;
        if (plen <= 0) {
            txDropped.increment();
            return false;
        }
        ByteBuf out = channel.alloc().directBuffer(plen);
        txView.limit(payload + plen).position(payload);
        out.writeBytes(txView);
        channel.write(new DatagramPacket(out, to), channel.voidPromise());
        return true;
    }

    @Override
    public long rxDropped() {
        return rxDropped.sum();
    }

    @Override
    public long txDropped() {
        return txDropped.sum();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 200, TimeUnit.MILLISECONDS).syncUninterruptibly();
        long h;
        while ((h = rxRing.poll()) != LongRing.EMPTY) {
            memory.release(h);
        }
        while ((h = txRing.poll()) != LongRing.EMPTY) {
            memory.release(h);
        }
    }
}
