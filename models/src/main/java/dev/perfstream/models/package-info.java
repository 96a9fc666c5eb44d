/** perfstream models module; see the module README. */
package dev.perfstream.models;
