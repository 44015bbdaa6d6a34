/** Time as the switch sees it: the system clock in production, a virtual clock in tests. */
package org.vswitch4j.core.time;
