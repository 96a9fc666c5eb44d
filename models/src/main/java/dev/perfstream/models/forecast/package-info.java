/** Per-series forecasts at a horizon with prediction intervals (Tribuo linear SGD, daily and weekly seasonality). */
package dev.perfstream.models.forecast;
