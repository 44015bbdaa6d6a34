/**
 * The entry point: {@link org.vswitch4j.core.Switch}, a datapath with its bridges. The concepts live in the
 * sub-packages: {@code packet}, {@code key}, {@code datapath}, {@code bridge}, {@code port}, {@code ring},
 * {@code time}.
 */
package org.vswitch4j.core;
