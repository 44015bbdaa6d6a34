/**
 * Testing code that uses a switch, without a network: {@link org.vswitch4j.testkit.VirtualHost} (a host with
 * MAC, IPv4 and IPv6 addresses that answers ARP, neighbour solicitations and pings, and sends and receives
 * UDP), {@link org.vswitch4j.testkit.TestNetwork} (a switch in synchronous mode plus hosts, pumped until
 * quiet) and {@link org.vswitch4j.testkit.SwitchExtension} (JUnit Jupiter: a fresh network per test, buffer
 * leaks fail the test).
 *
 * <h2>Driven, not threaded</h2>
 * Nothing here starts a thread. A host reacts only when the harness lets it process what it received;
 * {@link org.vswitch4j.testkit.Pump#pumpOnce()} is one round (poll the switch, let every host process). A
 * ping pumps until the reply arrives or the network falls quiet, so a test is deterministic and needs no
 * timeout; with a {@link org.vswitch4j.core.time.VirtualClock} time moves only when the test moves it.
 */
package org.vswitch4j.testkit;
