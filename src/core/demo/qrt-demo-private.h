/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <geos_c.h>
#include <gio/gio.h>
#include <math.h>

G_BEGIN_DECLS

/*
 * Internals of the Musterstadt generator, shared by the qrt-demo-*.c files.
 *
 * Everything here runs in the one thread that called qrt_demo_write(); nothing is shared
 * between threads, so there is no locking. Coordinates are EPSG:25832 metres throughout.
 */

/* --- deterministic random numbers (qrt-demo-random.c) ------------------------------------ */

/* xoshiro256** seeded through splitmix64. Every part of the town draws from its own named
 * stream, so adding a draw in one part does not reshuffle all the others. */
typedef struct
{
  guint64 s[4];
} QrtDemoRng;

void     _qrt_demo_rng_init            (QrtDemoRng   *rng,
                                        guint64       seed,
                                        const char   *stream);
void     _qrt_demo_rng_init_indexed    (QrtDemoRng   *rng,
                                        guint64       seed,
                                        const char   *stream,
                                        guint64       index);
guint64  _qrt_demo_rng_next            (QrtDemoRng   *rng);
double   _qrt_demo_rng_uniform         (QrtDemoRng   *rng);
double   _qrt_demo_rng_range           (QrtDemoRng   *rng,
                                        double        lo,
                                        double        hi);
int      _qrt_demo_rng_int             (QrtDemoRng   *rng,
                                        int           lo,
                                        int           hi);
double   _qrt_demo_rng_normal          (QrtDemoRng   *rng);
gboolean _qrt_demo_rng_chance          (QrtDemoRng   *rng,
                                        double        probability);
guint    _qrt_demo_rng_pick            (QrtDemoRng   *rng,
                                        const double *weights,
                                        guint         n_weights);
void     _qrt_demo_rng_shuffle         (QrtDemoRng   *rng,
                                        guint        *items,
                                        guint         n_items);
guint64  _qrt_demo_hash_stream         (guint64       seed,
                                        const char   *stream);

double   _qrt_demo_noise1              (guint64       seed,
                                        double        x);
double   _qrt_demo_noise2              (guint64       seed,
                                        double        x,
                                        double        y);
double   _qrt_demo_fbm2                (guint64       seed,
                                        double        x,
                                        double        y,
                                        guint         octaves);

/* --- plain geometry (qrt-demo-geom.c) ----------------------------------------------------- */

typedef struct
{
  double x;
  double y;
} QrtDemoXY;

/* A star-shaped polygon around (cx, cy): vertex i lies at angle 2πi/n and radius r[i]. Point
 * tests are O(1), which is what makes placing 40,000 buildings cheap; the same vertices go
 * to GEOS, so the landcover polygons and the point tests agree exactly. */
typedef struct
{
  double  cx;
  double  cy;
  guint   n;
  double *r;
  double  r_max;
} QrtDemoBlob;

QrtDemoBlob  *_qrt_demo_blob_new         (QrtDemoRng        *rng,
                                          double             cx,
                                          double             cy,
                                          double             area,
                                          double             aspect,
                                          double             angle,
                                          double             roughness,
                                          guint              n);
QrtDemoBlob  *_qrt_demo_blob_copy_scaled (const QrtDemoBlob *blob,
                                          double             factor);
void          _qrt_demo_blob_free        (QrtDemoBlob       *blob);
void          _qrt_demo_blob_scale       (QrtDemoBlob       *blob,
                                          double             factor);
double        _qrt_demo_blob_area        (const QrtDemoBlob *blob);
gboolean      _qrt_demo_blob_contains    (const QrtDemoBlob *blob,
                                          double             x,
                                          double             y);
double        _qrt_demo_blob_boundary    (const QrtDemoBlob *blob,
                                          double             angle);
GEOSGeometry *_qrt_demo_blob_to_geos     (GEOSContextHandle_t ctx,
                                          const QrtDemoBlob *blob);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QrtDemoBlob, _qrt_demo_blob_free)

/* Polylines are GArrays of QrtDemoXY. */
double        _qrt_demo_line_length      (const GArray      *line);
GEOSGeometry *_qrt_demo_line_to_geos     (GEOSContextHandle_t ctx,
                                          const GArray      *line);
GArray       *_qrt_demo_line_resample    (const GArray      *line,
                                          double             step);
void          _qrt_demo_line_point_at    (const GArray      *line,
                                          double             s,
                                          QrtDemoXY         *point,
                                          QrtDemoXY         *tangent);

double        _qrt_demo_segment_distance (double             px,
                                          double             py,
                                          double             ax,
                                          double             ay,
                                          double             bx,
                                          double             by);

/* An oriented rectangle: centre, unit axis u, half extents along u and along its normal. */
typedef struct
{
  double cx;
  double cy;
  double ux;
  double uy;
  double hu;
  double hv;
} QrtDemoBox;

gboolean      _qrt_demo_box_overlap      (const QrtDemoBox  *a,
                                          const QrtDemoBox  *b);
gboolean      _qrt_demo_box_contains     (const QrtDemoBox  *box,
                                          double             x,
                                          double             y,
                                          double             margin);
void          _qrt_demo_box_extent       (const QrtDemoBox  *box,
                                          double            *min_x,
                                          double            *min_y,
                                          double            *max_x,
                                          double            *max_y);

/* A uniform grid over the town's bounding box; each entry stores an id under every cell its
 * bounding box touches. Used for streets (segments) and buildings. */
typedef struct _QrtDemoGrid QrtDemoGrid;

QrtDemoGrid  *_qrt_demo_grid_new         (double             min_x,
                                          double             min_y,
                                          double             max_x,
                                          double             max_y,
                                          double             cell);
void          _qrt_demo_grid_free        (QrtDemoGrid       *grid);
void          _qrt_demo_grid_insert      (QrtDemoGrid       *grid,
                                          guint              id,
                                          double             min_x,
                                          double             min_y,
                                          double             max_x,
                                          double             max_y);
/* Collects the ids under [min, max] into @out (a GArray of guint), each id once. */
void          _qrt_demo_grid_query       (QrtDemoGrid       *grid,
                                          double             min_x,
                                          double             min_y,
                                          double             max_x,
                                          double             max_y,
                                          GArray            *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QrtDemoGrid, _qrt_demo_grid_free)

/* A set of line segments with a grid, for distance queries (river, roads). */
typedef struct
{
  double ax;
  double ay;
  double bx;
  double by;
  guint  line;
  float  half_width;
} QrtDemoSegment;

typedef struct
{
  GArray      *segments;
  QrtDemoGrid *grid;
} QrtDemoSegments;

QrtDemoSegments *_qrt_demo_segments_new       (double                 min_x,
                                               double                 min_y,
                                               double                 max_x,
                                               double                 max_y,
                                               double                 cell);
void             _qrt_demo_segments_free      (QrtDemoSegments       *segs);
void             _qrt_demo_segments_add_line  (QrtDemoSegments       *segs,
                                               const GArray          *line,
                                               guint                  line_id,
                                               double                 half_width);
/* Distance from (x, y) to the nearest segment, or @limit if none is nearer than @limit.
 * With @segment_out, stores the nearest segment's index (or G_MAXUINT). */
double           _qrt_demo_segments_distance  (QrtDemoSegments       *segs,
                                               double                 x,
                                               double                 y,
                                               double                 limit,
                                               guint                 *segment_out,
                                               GArray                *scratch);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QrtDemoSegments, _qrt_demo_segments_free)

/* --- GEOS helpers (qrt-demo-geom.c) -------------------------------------------------------- */

GEOSGeometry *_qrt_demo_geos_collect     (GEOSContextHandle_t ctx,
                                          GPtrArray         *geometries);
GEOSGeometry *_qrt_demo_geos_polygonal   (GEOSContextHandle_t ctx,
                                          GEOSGeometry      *geometry,
                                          double             min_area);
void          _qrt_demo_geos_split_polygons (GEOSContextHandle_t ctx,
                                          const GEOSGeometry *geometry,
                                          double             min_area,
                                          GPtrArray         *out);
GEOSGeometry *_qrt_demo_geos_lines       (GEOSContextHandle_t ctx,
                                          GEOSGeometry      *geometry);

/* --- names (qrt-demo-names.c) -------------------------------------------------------------- */

extern const char * const _qrt_demo_urban_names[];
extern const char * const _qrt_demo_village_names[];
extern const char * const _qrt_demo_street_roots[];
extern const char * const _qrt_demo_street_suffixes[];
extern const char * const _qrt_demo_street_phrases[];
extern const char * const _qrt_demo_park_names[];
extern const char * const _qrt_demo_kita_names[];
extern const char * const _qrt_demo_person_names[];

guint         _qrt_demo_names_count      (const char * const *names);
char         *_qrt_demo_adjective        (const char        *place);

/* --- the town model (qrt-demo-town.c) ------------------------------------------------------ */

typedef enum
{
  QRT_DEMO_ZONE_NONE,
  QRT_DEMO_ZONE_VILLAGE,
  QRT_DEMO_ZONE_URBAN,
  QRT_DEMO_ZONE_CORE,
  QRT_DEMO_ZONE_INDUSTRIAL,
} QrtDemoZone;

typedef enum
{
  QRT_DEMO_STREET_PRIMARY,
  QRT_DEMO_STREET_SECONDARY,
  QRT_DEMO_STREET_RESIDENTIAL,
} QrtDemoStreetClass;

typedef enum
{
  QRT_DEMO_USE_RESIDENTIAL,
  QRT_DEMO_USE_MIXED,
  QRT_DEMO_USE_COMMERCIAL,
  QRT_DEMO_USE_INDUSTRIAL,
  QRT_DEMO_USE_PUBLIC,
  QRT_DEMO_USE_AGRICULTURAL,
  QRT_DEMO_N_USES,
} QrtDemoUse;

#define QRT_DEMO_FIRST_YEAR   2015
#define QRT_DEMO_BASE_YEAR    2025
#define QRT_DEMO_LAST_YEAR    2040
#define QRT_DEMO_N_YEARS      (QRT_DEMO_LAST_YEAR - QRT_DEMO_FIRST_YEAR + 1)
#define QRT_DEMO_N_AGE_GROUPS 7

extern const char * const _qrt_demo_age_groups[QRT_DEMO_N_AGE_GROUPS];
extern const char * const _qrt_demo_use_names[QRT_DEMO_N_USES];
extern const char * const _qrt_demo_street_class_names[3];

typedef struct
{
  guint          id;              /* 1-based, central districts first */
  char          *name;
  char          *code;
  gboolean       rural;
  QrtDemoXY      seed;
  QrtDemoBlob   *village;         /* rural districts: the village around the seed */
  double         grid_angle;
  GEOSGeometry  *geometry;        /* MultiPolygon */
  double         area;            /* m² */
  gint64         population[QRT_DEMO_N_YEARS];
  gint64         by_age[QRT_DEMO_N_YEARS][QRT_DEMO_N_AGE_GROUPS];
} QrtDemoDistrict;

typedef struct
{
  GArray            *points;      /* QrtDemoXY */
  QrtDemoStreetClass klass;
  char              *name;
  double             half_width;
  double             band;        /* sealed strip either side of the centre line, metres */
  int                district;    /* index, or -1 for roads between settlements */
} QrtDemoStreet;

typedef struct
{
  double      x[6];
  double      y[6];
  guint8      n_points;
  guint8      n_boxes;
  QrtDemoBox  boxes[2];           /* a convex cover: the main body and the L's wing */
  double      centroid_x;
  double      centroid_y;
  double      footprint;
  QrtDemoUse  use;
  QrtDemoZone zone;
  int         floors;
  int         dwellings;
  int         residents;
  int         year_built;
  int         district;           /* index into districts */
} QrtDemoBuilding;

typedef struct
{
  double      x;
  double      y;
  const char *species;
  int         planted;
} QrtDemoTree;

typedef struct
{
  double x;
  double y;
  char  *name;
  char  *type;                    /* NULL for daycare */
  int    capacity;
} QrtDemoFacility;

typedef struct
{
  char         *name;
  GEOSGeometry *geometry;         /* Polygon */
} QrtDemoNamedArea;

typedef struct
{
  char         *name;
  GEOSGeometry *geometry;         /* LineString or MultiLineString */
} QrtDemoNamedLine;

enum
{
  QRT_DEMO_LC_SEALED,
  QRT_DEMO_LC_PUBLIC_GREEN,
  QRT_DEMO_LC_PRIVATE_GREEN,
  QRT_DEMO_LC_FOREST,
  QRT_DEMO_LC_WATER,
  QRT_DEMO_LC_AGRICULTURE,
  QRT_DEMO_N_LANDCOVER,
};

extern const char * const _qrt_demo_landcover_names[QRT_DEMO_N_LANDCOVER];

#define QRT_DEMO_N_RAIN_CLASSES 4

typedef struct
{
  guint64             seed;
  GEOSContextHandle_t ctx;
  GString            *geos_error;   /* the last message of GEOS's error handler */
  GCancellable       *cancellable;  /* checked inside the long steps too */

  /* Outline */
  QrtDemoBlob        *town_blob;
  GEOSGeometry       *town;
  GEOSGeometry       *town_boundary;
  double              min_x;
  double              min_y;
  double              max_x;
  double              max_y;

  /* Water */
  GArray             *river_base;   /* the valley's smooth axis */
  double              valley_angle;
  double              meander_max;  /* largest distance of the river from the valley axis */
  GArray             *river;        /* meandering centre line, beyond the town at both ends */
  GPtrArray          *brooks;       /* GArray of QrtDemoXY each */
  QrtDemoSegments    *water_segs;   /* river (line 0) and brooks (1, 2, …) */
  double              river_half_width;
  GPtrArray          *waterways;    /* QrtDemoNamedLine */
  GEOSGeometry       *water;
  GEOSGeometry       *flood;

  /* Settlements */
  QrtDemoBlob        *main_town;
  GPtrArray          *industrial;   /* QrtDemoBlob */
  GPtrArray          *park_blobs;   /* QrtDemoBlob */
  GPtrArray          *park_names;   /* char* */
  GPtrArray          *parks;        /* QrtDemoNamedArea, one per polygon */
  GEOSGeometry       *parks_union;
  double              core_radius;

  /* Districts */
  GPtrArray          *villages;     /* QrtDemoBlob, owned here; districts point into it */
  GArray             *districts;    /* QrtDemoDistrict */
  guint               n_urban;
  GEOSGeometry       *voronoi_edges;

  /* Streets and buildings */
  GArray             *streets;      /* QrtDemoStreet */
  guint               n_main_roads; /* the first streets are the roads between settlements */
  QrtDemoSegments    *street_segs;
  GArray             *buildings;    /* QrtDemoBuilding */
  QrtDemoGrid        *building_grid;

  /* The rest */
  GEOSGeometry       *landcover[QRT_DEMO_N_LANDCOVER];
  GEOSGeometry       *rain[QRT_DEMO_N_RAIN_CLASSES];
  GArray             *trees;        /* QrtDemoTree */
  GArray             *schools;      /* QrtDemoFacility */
  GArray             *daycare;      /* QrtDemoFacility */
} QrtDemoTown;

/* One step of the generation; steps run in order and each may fail or be cancelled. */
typedef gboolean (*QrtDemoStepFunc) (QrtDemoTown *town,
                                     GError     **error);

typedef struct
{
  const char      *name;
  QrtDemoStepFunc  func;
  double           weight;          /* share of the total run time, for progress */
} QrtDemoStep;

QrtDemoTown       *_qrt_demo_town_new        (guint64       seed);
void               _qrt_demo_town_free       (QrtDemoTown  *town);
const QrtDemoStep *_qrt_demo_town_get_steps  (guint        *n_steps);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QrtDemoTown, _qrt_demo_town_free)

/* The town centre, 51.40 N 8.05 E, in EPSG:25832. */
#define QRT_DEMO_CENTRE_X 433914.0
#define QRT_DEMO_CENTRE_Y 5694736.0

/* Helpers shared by the steps (qrt-demo-town.c). */
gboolean      _qrt_demo_geos_failed         (QrtDemoTown        *town,
                                             const char         *step,
                                             GError            **error);
gboolean      _qrt_demo_check_cancelled     (QrtDemoTown        *town,
                                             GError            **error);
gboolean      _qrt_demo_in_town             (QrtDemoTown        *town,
                                             double              x,
                                             double              y);
double        _qrt_demo_radial_excess       (const QrtDemoBlob  *blob,
                                             double              x,
                                             double              y);
QrtDemoZone   _qrt_demo_zone_at             (QrtDemoTown        *town,
                                             double              x,
                                             double              y);
gboolean      _qrt_demo_in_park             (QrtDemoTown        *town,
                                             double              x,
                                             double              y);
gboolean      _qrt_demo_water_clear         (QrtDemoTown        *town,
                                             double              x,
                                             double              y,
                                             double              clearance,
                                             GArray             *scratch);
int           _qrt_demo_nearest_district    (QrtDemoTown        *town,
                                             double              x,
                                             double              y,
                                             double             *margin);
void          _qrt_demo_geos_to_lines       (GEOSContextHandle_t ctx,
                                             const GEOSGeometry *geometry,
                                             GPtrArray          *out);
double        _qrt_demo_geos_area           (GEOSContextHandle_t ctx,
                                             const GEOSGeometry *geometry);
void          _qrt_demo_line_tangent        (const GArray       *line,
                                             guint               i,
                                             QrtDemoXY          *tangent);
guint         _qrt_demo_nearest_vertex      (const GArray       *line,
                                             double              x,
                                             double              y);
guint         _qrt_demo_add_street          (QrtDemoTown        *town,
                                             GArray             *points,
                                             QrtDemoStreetClass  klass,
                                             const char         *name,
                                             int                 district);

static inline QrtDemoDistrict *
_qrt_demo_district_at (QrtDemoTown *town,
                       guint        index)
{
  return &g_array_index (town->districts, QrtDemoDistrict, index);
}

static inline QrtDemoStreet *
_qrt_demo_street_at (QrtDemoTown *town,
                     guint        index)
{
  return &g_array_index (town->streets, QrtDemoStreet, index);
}

static inline double
_qrt_demo_distance (double ax,
                    double ay,
                    double bx,
                    double by)
{
  return hypot (bx - ax, by - ay);
}

static inline void
_qrt_demo_unit_normal (const QrtDemoXY *tangent,
                       QrtDemoXY       *normal)
{
  normal->x = -tangent->y;
  normal->y = tangent->x;
}

/* The steps, in the order of _qrt_demo_town_get_steps(): outline to roads in
 * qrt-demo-town.c, streets and buildings in qrt-demo-streets.c, population and facilities in
 * qrt-demo-people.c, land cover, heavy rain and trees in qrt-demo-land.c. */
gboolean _qrt_demo_step_outline     (QrtDemoTown *town, GError **error);
gboolean _qrt_demo_step_water       (QrtDemoTown *town, GError **error);
gboolean _qrt_demo_step_settlements (QrtDemoTown *town, GError **error);
gboolean _qrt_demo_step_districts   (QrtDemoTown *town, GError **error);
gboolean _qrt_demo_step_parks       (QrtDemoTown *town, GError **error);
gboolean _qrt_demo_step_roads       (QrtDemoTown *town, GError **error);
gboolean _qrt_demo_step_streets     (QrtDemoTown *town, GError **error);
gboolean _qrt_demo_step_buildings   (QrtDemoTown *town, GError **error);
gboolean _qrt_demo_step_population  (QrtDemoTown *town, GError **error);
gboolean _qrt_demo_step_landcover   (QrtDemoTown *town, GError **error);
gboolean _qrt_demo_step_rain        (QrtDemoTown *town, GError **error);
gboolean _qrt_demo_step_trees       (QrtDemoTown *town, GError **error);
gboolean _qrt_demo_step_facilities  (QrtDemoTown *town, GError **error);

G_END_DECLS
