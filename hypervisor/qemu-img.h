#pragma once

#include <gio/gio.h>

#include "core/volume-config.h"
#include "job.h"
#include "storage-command.h"

G_BEGIN_DECLS

/*
 * Volume images through qemu-img: create, info, resize, convert (clone), with
 * the format always given (-f) so qemu-img never probes a raw image's
 * contents.
 */

/* @info (NULL with @error) stays the caller's. */
typedef void (*MarinaQemuImgInfoDone)(MarinaVolumeConfig *info, const GError *error, gpointer data);

/* qemu-img's preallocation option for @config, from libvirt's reading of
 * <allocation>: all of it = write every byte now; part of it = reserve the
 * space without writing; none = sparse (NULL). */
const char *marina_qemu_img_preallocation(const MarinaVolumeConfig *config);

/* The argv that creates @config (format, size, preallocation, backing file)
 * at @target, NULL-terminated. */
char **marina_qemu_img_create_argv(const MarinaVolumeConfig *config, const char *target);

/* Volume @name at @path from what "qemu-img info --output=json" printed;
 * NULL with @error when @json is not a report with a format and a size. */
MarinaVolumeConfig *marina_qemu_img_parse_info(const char *json, const char *name, const char *path,
                                               GError **error);

/* Runs qemu-img info on @path (an image in @format) for volume @name. -U: a
 * running guest holds the image's lock; reading its header is safe. */
void marina_qemu_img_info(const char *name, const char *path, const char *format,
                          MarinaQemuImgInfoDone done, gpointer data);

void marina_qemu_img_resize(const char *path, const char *format, guint64 capacity,
                            MarinaCommandDone done, gpointer data);

/* Copies @source to @target (@in_format to @out_format) as @job, reporting
 * progress against @total bytes. @target_exists: write into it (a logical
 * volume) rather than create it. */
void marina_qemu_img_convert(const char *source, const char *target, const char *in_format,
                             const char *out_format, gboolean target_exists, MarinaJob *job,
                             guint64 total, MarinaCommandDone done, gpointer data);

G_END_DECLS
