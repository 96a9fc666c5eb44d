/** perfstream streams module; see the module README. */
package dev.perfstream.streams;
