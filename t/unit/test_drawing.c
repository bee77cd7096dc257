/* Unit tests of the drawing rules (vpcore/vp_drawing.c): valid drawings
 * pass; each violation is named by its path. */
#include "tap.h"
#include "vpcore/vp_drawing.h"

#include <stdlib.h>

/* The violations of the drawing text as "path;path;..." in sorted order
 * ("" when valid). */
static char *check(const char *text)
{
    static char out[4096];
    json_error_t e;
    json_t *d = json_loads(text, 0, &e), *details = json_object();
    const char *key;
    json_t *v;
    int n;

    out[0] = '\0';
    if (!d)
        return strcpy(out, "(json)");
    n = vp_drawing_check(d, "drawing_data", details);
    json_object_foreach(details, key, v) {
        if (out[0])
            strcat(out, ";");
        strcat(out, key);
    }
    if ((n == 0) != (json_object_size(details) == 0))
        strcpy(out, "(count disagrees)");
    json_decref(d);
    json_decref(details);
    return out;
}

#define STYLE "\"style\":{\"color\":\"#ff0000\",\"width\":2}"

int main(void)
{
    char *big;
    int i;

    is_str(check("{\"shapes\":[]}"), "", "no shapes");
    is_str(check("{\"shapes\":[{\"type\":\"rectangle\",\"coordinates\":[0.1,0.2,0.5,0.6]," STYLE "},"
                 "{\"type\":\"circle\",\"coordinates\":[0.5,0.5,0.7,0.5]," STYLE "},"
                 "{\"type\":\"arrow\",\"coordinates\":[0,0,1,1]," STYLE "},"
                 "{\"type\":\"text\",\"coordinates\":[0.3,0.3]," STYLE ",\"text\":\"여기 색감\"},"
                 "{\"type\":\"freehand\",\"coordinates\":[0,0,0.1,0.1,0.2,0.25]," STYLE "}]}"),
           "", "one shape of each type");
    is_str(check("{\"shapes\":[{\"type\":\"star\",\"coordinates\":[0,0]," STYLE "}]}"),
           "drawing_data.shapes[0].type", "an unknown type");
    is_str(check("{\"shapes\":[{\"type\":\"arrow\",\"coordinates\":[0,0]," STYLE "},"
                 "{\"type\":\"arrow\",\"coordinates\":[0,0]," STYLE "},"
                 "{\"type\":\"arrow\",\"coordinates\":[0,0]," STYLE "},"
                 "{\"type\":\"arrow\",\"coordinates\":[0,1.5]," STYLE "}]}"),
           "drawing_data.shapes[3].coordinates", "a coordinate over 1, named by its shape");
    is_str(check("{\"shapes\":[{\"type\":\"rectangle\",\"coordinates\":[0,0,0,0,0,0,0,0,0,0],"
                 STYLE "}]}"), "drawing_data.shapes[0].coordinates", "10 numbers on a rectangle");
    is_str(check("{\"shapes\":[{\"type\":\"rectangle\",\"coordinates\":[0.1,0.2,0.3]," STYLE "}]}"),
           "drawing_data.shapes[0].coordinates", "an odd count");
    is_str(check("{\"shapes\":[{\"type\":\"rectangle\",\"coordinates\":[0.1,\"0.2\"]," STYLE "}]}"),
           "drawing_data.shapes[0].coordinates", "a string coordinate");
    is_str(check("{\"shapes\":[{\"type\":\"arrow\",\"coordinates\":[0,0],"
                 "\"style\":{\"color\":\"red\",\"width\":11}}]}"),
           "drawing_data.shapes[0].style.color;drawing_data.shapes[0].style.width",
           "a named colour and width 11");
    is_str(check("{\"shapes\":[{\"type\":\"arrow\",\"coordinates\":[0,0]}]}"),
           "drawing_data.shapes[0].style", "no style");
    is_str(check("{\"shapes\":[{\"type\":\"text\",\"coordinates\":[0,0]," STYLE "}]}"),
           "drawing_data.shapes[0].text", "a text shape without text");
    is_str(check("{\"shapes\":[{\"type\":\"arrow\",\"coordinates\":[0,0]," STYLE ",\"text\":\"x\"}]}"),
           "drawing_data.shapes[0].text", "text on an arrow");
    is_str(check("{\"shapes\":[{\"type\":\"arrow\",\"coordinates\":[0,0]," STYLE ",\"z\":1}]}"),
           "drawing_data.shapes[0].z", "an unknown member of a shape");
    is_str(check("{\"shapes\":[],\"layers\":[]}"), "drawing_data.layers", "an unknown member");
    is_str(check("{\"shapes\":{}}"), "drawing_data.shapes", "shapes not a list");
    is_str(check("[]"), "drawing_data", "not an object");
    is_str(check("{\"shapes\":[7]}"), "drawing_data.shapes[0]", "a shape that is no object");

    big = malloc(200000);
    strcpy(big, "{\"shapes\":[");
    for (i = 0; i < 51; i++)
        strcat(big, i ? ",{\"type\":\"arrow\",\"coordinates\":[0,0]," STYLE "}"
                      : "{\"type\":\"arrow\",\"coordinates\":[0,0]," STYLE "}");
    strcat(big, "]}");
    is_str(check(big), "drawing_data.shapes", "51 shapes");
    strcpy(big, "{\"shapes\":[{\"type\":\"freehand\"," STYLE ",\"coordinates\":[0");
    for (i = 1; i < 2000; i++)
        strcat(big, ",0.5");
    strcat(big, "]}]}");
    is_str(check(big), "", "a freehand stroke of 2000 numbers");
    big[strlen(big) - 4] = '\0';
    strcat(big, ",0.5,0.5]}]}");
    is_str(check(big), "drawing_data.shapes[0].coordinates", "2002 numbers");
    strcpy(big, "{\"shapes\":[{\"type\":\"text\",\"coordinates\":[0,0]," STYLE ",\"text\":\"");
    for (i = 0; i < 201; i++)
        strcat(big, "가");
    strcat(big, "\"}]}");
    is_str(check(big), "drawing_data.shapes[0].text", "201 characters of text");
    free(big);
    return done_testing();
}
