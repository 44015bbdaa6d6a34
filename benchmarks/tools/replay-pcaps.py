#!/usr/bin/env python3
"""The replay files of the DPDK side-by-side scripts: FLOWS 64-byte IPv4/UDP frames per file, port 0's file
a[i] -> b[i], port 1's b[i] -> a[i], MACs as L2ForwardBenchmark's (02:10::i and 02:20::i), UDP source port
1024 + i (OVS hashes packets for its EMC by the 5-tuple when the device gives no RSS hash, so one 5-tuple for all
flows would put every flow in one EMC bucket). Classic pcap, microsecond timestamps, Ethernet.

    replay-pcaps.py FLOWS PORT0.pcap PORT1.pcap
"""
import struct
import sys


def frame(dst, src, sport):
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 28, 0, 0, 64, 17, 0, bytes([192, 0, 2, 1]), bytes([192, 0, 2, 2]))
    csum = sum(struct.unpack('!10H', ip))
    csum = (csum & 0xffff) + (csum >> 16)
    ip = ip[:10] + struct.pack('!H', ~csum & 0xffff) + ip[12:]
    f = dst.to_bytes(6, 'big') + src.to_bytes(6, 'big') + b'\x08\x00' + ip + struct.pack('!HHHH', sport, 2048, 8, 0)
    return f + bytes(64 - len(f))


def main(flows, port0, port1):
    for path, forward in ((port0, True), (port1, False)):
        with open(path, 'wb') as out:
            out.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
            for i in range(flows):
                a, b = 0x021000000000 | i, 0x022000000000 | i
                f = frame(b, a, 1024 + i) if forward else frame(a, b, 1024 + i)
                out.write(struct.pack('<IIII', 0, 0, len(f), len(f)) + f)


if __name__ == '__main__':
    main(int(sys.argv[1]), sys.argv[2], sys.argv[3])
