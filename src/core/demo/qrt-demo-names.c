/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "qrt-demo-private.h"

/*
 * Place names of the fictional town. They are proper names in the data, like the names in a
 * real municipality's files, so they are not translated. Common German patterns, not copies
 * of a particular real place's list; a name may still exist somewhere, as most do.
 */

/* Quarters of the main settlement; the first is always the centre. */
const char * const _qrt_demo_urban_names[] = {
  "Altstadt", "Mühlenberg", "Oberhagen", "Unterhagen", "Schützenhof", "Bahnhofsviertel",
  "Lindenhof", "Am Stadtwald", "Brückenfeld", "Kirchhagen", "Hammerwerk", "Sonnenhang",
  "Wiesengrund", "Schlossberg", "Neustadt", "Rosenhöhe", "Auf der Bleiche", "Talaue",
  "Hüttenfeld", "Musterstadt-Nord", NULL
};

/* Villages (Ortsteile) around it. */
const char * const _qrt_demo_village_names[] = {
  "Bruchhausen", "Ahlenbeck", "Birkenhagen", "Dornsiepen", "Eichelscheid", "Fahlenbruch",
  "Hasselbecke", "Heidenbruch", "Holthausen", "Kückelheim", "Langenscheid", "Lindenau",
  "Mühlhausen", "Niederbecke", "Oberrödinghausen", "Osterwald", "Rehsiepen", "Sellinghausen",
  "Steinhagen", "Wiedenbeck", "Wolfsbecke", "Altenfeld", "Ebbinghof", "Hohenwald-Ost",
  "Grevinghausen", "Niedersorpe", NULL
};

const char * const _qrt_demo_street_roots[] = {
  "Birken", "Buchen", "Eichen", "Linden", "Ahorn", "Tannen", "Fichten", "Eschen", "Ulmen",
  "Weiden", "Rosen", "Tulpen", "Nelken", "Flieder", "Holunder", "Schlehen", "Hasel", "Erlen",
  "Kastanien", "Kirsch", "Apfel", "Garten", "Wiesen", "Feld", "Berg", "Hang", "Tal", "Sonnen",
  "Mühlen", "Kirch", "Schul", "Post", "Markt", "Brunnen", "Quellen", "Bach", "Hammer",
  "Schmiede", "Hütten", "Kapellen", "Wald", "Heide", "Stein", "Hügel", "Drossel", "Amsel",
  "Finken", "Lerchen", "Meisen", "Falken", NULL
};

const char * const _qrt_demo_street_suffixes[] = {
  "straße", "weg", "ring", "pfad", "allee", "gasse", "steig", NULL
};

const char * const _qrt_demo_street_phrases[] = {
  "Am Hang", "Am Bruch", "Am Sonnenhang", "Auf dem Brink", "Im Siepen", "Zum Steinbruch",
  "In der Aue", "Hinter den Gärten", "Am Kamp", "Auf der Heide", "Im Winkel", "Am Hohlweg",
  "Zur Mühle", "Am Schlagbaum", "Im Grund", "Auf der Höhe", "Am Stadtgraben", "Unter den Eichen",
  "Am Knapp", "Im Kessel", "Zum Hochwald", "Am Weiher", "Auf dem Kamp", "In den Wiesen", NULL
};

const char * const _qrt_demo_park_names[] = {
  "Stadtpark", "Kurpark", "Bürgerpark", "Schlosspark", "Friedhof am Kirchberg",
  "Rosengarten", "Auenpark", NULL
};

const char * const _qrt_demo_kita_names[] = {
  "Sonnenschein", "Regenbogen", "Pusteblume", "Löwenzahn", "Arche Noah", "Sternschnuppe",
  "Wirbelwind", "Kunterbunt", "Villa Kunterbunt", "Zwergenland", "Wichtelhaus", "Spatzennest",
  "Schatzkiste", "Abenteuerland", "Purzelbaum", "Rasselbande", "Sonnenblume", "Mäuseburg",
  "St. Marien", "St. Josef", "St. Martin", "Kleine Strolche", "Waldwichtel", "Bärenhöhle",
  "Krümelkiste", "Glückskäfer", "Seepferdchen", "Traumland", NULL
};

/* Common name patterns of German schools. */
const char * const _qrt_demo_person_names[] = {
  "Astrid-Lindgren", "Erich-Kästner", "Anne-Frank", "Geschwister-Scholl", "Albert-Schweitzer",
  "Pestalozzi", "Brüder-Grimm", "Friedrich-Fröbel", "Johannes-Gutenberg", "Marie-Curie", NULL
};

guint
_qrt_demo_names_count (const char * const *names)
{
  guint n = 0;

  while (names[n] != NULL)
    n++;

  return n;
}

/* "Birkenhagen" → "Birkenhagener", "Hasselbecke" → "Hasselbecker": the form used in road
 * names such as "Birkenhagener Straße". */
char *
_qrt_demo_adjective (const char *place)
{
  gsize len = strlen (place);

  if (len > 0 && place[len - 1] == 'e')
    return g_strconcat (place, "r", NULL);

  return g_strconcat (place, "er", NULL);
}
