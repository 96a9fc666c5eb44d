package dev.perfstream.sink.influx;

import okhttp3.RequestBody;
import okhttp3.ResponseBody;
import retrofit2.Call;
import retrofit2.http.Body;
import retrofit2.http.Field;
import retrofit2.http.FormUrlEncoded;
import retrofit2.http.POST;
import retrofit2.http.Query;

/**
 * InfluxDB 1.x HTTP API ({@code /write}, {@code /query}) as a Retrofit service, obtained from the
 * influxdb-client-java client through {@code getService}, so it shares the client's HTTP stack.
 * Hand-written because influxdb-client-java 7.x only ships the v2 services. Null query parameters
 * are left out of the request by Retrofit.
 */
interface InfluxV1Service {
    @POST("write")
    Call<Void> write(@Query("db") String db, @Query("rp") String retentionPolicy, @Query("precision") String precision,
                     @Query("u") String user, @Query("p") String password, @Body RequestBody lines);

    @FormUrlEncoded
    @POST("query")
    Call<ResponseBody> query(@Query("u") String user, @Query("p") String password, @Field("q") String statement);

    @FormUrlEncoded
    @POST("query")
    Call<ResponseBody> query(@Query("db") String db, @Query("rp") String retentionPolicy, @Query("epoch") String epoch,
                             @Query("u") String user, @Query("p") String password, @Field("q") String statement);
}
