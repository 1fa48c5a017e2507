/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <cpl_error.h>
#include <gdal.h>
#include <glib.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

G_BEGIN_DECLS

/* Cleanups for GDAL's handle types, defined once for the core. */
static inline void
qrt_gdal_close (GDALDatasetH dataset)
{
  if (dataset != NULL)
    GDALClose (dataset);
}

static inline void
qrt_ogr_feature_destroy (OGRFeatureH feature)
{
  if (feature != NULL)
    OGR_F_Destroy (feature);
}

static inline void
qrt_osr_release (OGRSpatialReferenceH srs)
{
  if (srs != NULL)
    OSRRelease (srs);
}

static inline void
qrt_oct_destroy (OGRCoordinateTransformationH ct)
{
  if (ct != NULL)
    OCTDestroyCoordinateTransformation (ct);
}

static inline void
qrt_ogr_fielddefn_destroy (OGRFieldDefnH defn)
{
  if (defn != NULL)
    OGR_Fld_Destroy (defn);
}

typedef GDALDatasetH QrtGdalDataset;
typedef OGRFeatureH QrtOgrFeature;
typedef OGRSpatialReferenceH QrtOsrSrs;
typedef OGRCoordinateTransformationH QrtOctTransform;
typedef OGRFieldDefnH QrtOgrFieldDefn;

G_DEFINE_AUTO_CLEANUP_FREE_FUNC (QrtGdalDataset, qrt_gdal_close, NULL)
G_DEFINE_AUTO_CLEANUP_FREE_FUNC (QrtOgrFeature, qrt_ogr_feature_destroy, NULL)
G_DEFINE_AUTO_CLEANUP_FREE_FUNC (QrtOsrSrs, qrt_osr_release, NULL)
G_DEFINE_AUTO_CLEANUP_FREE_FUNC (QrtOctTransform, qrt_oct_destroy, NULL)
G_DEFINE_AUTO_CLEANUP_FREE_FUNC (QrtOgrFieldDefn, qrt_ogr_fielddefn_destroy, NULL)

/* GDAL's last error of the calling thread, for debug output and error details. */
static inline const char *
qrt_gdal_last_error (void)
{
  const char *msg = CPLGetLastErrorMsg ();

  return msg != NULL && *msg ? msg : "unknown GDAL error";
}

G_END_DECLS
