/** perfstream sink module; see the module README. */
package dev.perfstream.sink;
