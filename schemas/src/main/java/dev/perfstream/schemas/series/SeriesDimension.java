package dev.perfstream.schemas.series;

/**
 * One dimension of a series, with its name in the alert display form ({@code k=v,k=v}) and its InfluxDB tag name.
 * The two differ for the device class only: alerts say {@code device}, every measurement tags {@code device_class}.
 */
public enum SeriesDimension {
    METRIC("metric"),
    SERVICE("service"),
    ROUTE("route"),
    VERSION("version"),
    VITAL("vital"),
    APP("app"),
    PAGE("page"),
    DEVICE_CLASS("device", "device_class"),
    /** The element (LCP element, INP target, CLS shift target) of a RUM attribution series. */
    ELEMENT("element"),
    /** The script of an INP attribution series. */
    SCRIPT("script"),
    /** The SLO of a burn-rate alert's series. */
    SLO("slo");

    private final String displayName;
    private final String tagName;

    SeriesDimension(String name) {
        this(name, name);
    }

    SeriesDimension(String displayName, String tagName) {
        this.displayName = displayName;
        this.tagName = tagName;
    }

    /** The key in the alert display form. */
    public String displayName() {
        return displayName;
    }

    /** The InfluxDB tag, the same in every measurement. */
    public String tagName() {
        return tagName;
    }

    /** The InfluxDB tag of a display-form key: the dimension's tag, or the key itself for any other key. */
    public static String tagOf(String displayName) {
        for (SeriesDimension d : values()) {
            if (d.displayName.equals(displayName)) {
                return d.tagName;
            }
        }
        return displayName;
    }
}
