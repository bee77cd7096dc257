/* The drawing of a feedback (spec section 6): shapes on the video frame in
 * fractions of its size. Checked shape by shape so that each violation is
 * named by its path (drawing_data.shapes[3].coordinates). httpd-free. */
#ifndef VP_DRAWING_H
#define VP_DRAWING_H

#include <jansson.h>

#define VP_DRAWING_SHAPES_MAX 50
#define VP_DRAWING_COORDS_MAX 8         /* rectangle, circle, arrow, text */
#define VP_DRAWING_FREEHAND_MAX 2000    /* numbers of a freehand stroke */
#define VP_DRAWING_TEXT_MAX 200

/* Checks d against the rules: {"shapes": [...]} and nothing else; at most
 * 50 shapes, each {type: rectangle|circle|arrow|text|freehand,
 * coordinates: x, y pairs in 0..1 (2 to 8 numbers; freehand up to 2000),
 * style: {color: "#RRGGBB", width: 1..10}, text: 1..200 characters on text
 * shapes only}. Each violation goes to details under its path, which
 * starts with field. Returns the number of violations (0: valid). */
int vp_drawing_check(const json_t *d, const char *field, json_t *details);

#endif
