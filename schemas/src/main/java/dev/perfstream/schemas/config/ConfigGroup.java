package dev.perfstream.schemas.config;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;

/**
 * The keys of one part of perfstream (a stage, the sink, the local services, ...), in the order the
 * generated properties file and README tables list them.
 *
 * @param id    short name, used by the README markers ({@code <!-- config:stats -->})
 * @param title heading in the generated properties file and {@code config list}
 * @param order position among all groups (ascending)
 * @param keys  the declared keys
 */
public record ConfigGroup(String id, String title, int order, List<ConfigKey<?>> keys) {
    public ConfigGroup {
        keys = List.copyOf(keys);
    }

    /**
     * The group of every {@code static final ConfigKey} field of the holders, in declaration order
     * (so a key declared next to the code that reads it cannot be left out of the list).
     */
    public static ConfigGroup of(String id, String title, int order, Class<?>... holders) {
        List<ConfigKey<?>> keys = new ArrayList<>();
        for (Class<?> holder : holders) {
            for (Field f : holder.getDeclaredFields()) {
                int m = f.getModifiers();
                if (Modifier.isStatic(m) && Modifier.isFinal(m) && f.getType() == ConfigKey.class) {
                    try {
                        f.setAccessible(true);
                        ConfigKey<?> k = (ConfigKey<?>) f.get(null);
                        if (keys.stream().noneMatch(x -> x.name().equals(k.name()))) {
                            keys.add(k);
                        }
                    } catch (IllegalAccessException e) {
                        throw new IllegalStateException("cannot read " + holder.getName() + "." + f.getName(), e);
                    }
                }
            }
        }
        return new ConfigGroup(id, title, order, keys);
    }
}
