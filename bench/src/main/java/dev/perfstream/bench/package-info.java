/** perfstream bench module; see the module README. */
package dev.perfstream.bench;
