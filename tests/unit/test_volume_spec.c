/* SPDX-License-Identifier: MIT */
#include <string.h>
#include <uchar.h>

#include "volume_spec.h"
#include "testlib.h"

static void test_plain_paths(void) {
        struct volume_spec v;
        const uint16_t *rest;
        const char16_t *p = u"\\vmlinux";
        CHECK_EQ(volume_spec_parse((const uint16_t *)p, &v, &rest), VOLUME_SPEC_OK);
        CHECK_EQ(v.kind, VOLUME_ANY);
        CHECK(rest == (const uint16_t *)p);
        /* Only the exact upper-case keywords name a volume. */
        p = u"label=X:\\k";
        CHECK_EQ(volume_spec_parse((const uint16_t *)p, &v, &rest), VOLUME_SPEC_OK);
        CHECK_EQ(v.kind, VOLUME_ANY);
}

static void test_label(void) {
        struct volume_spec v;
        const uint16_t *rest;
        CHECK_EQ(volume_spec_parse((const uint16_t *)u"LABEL=ROOTFS:\\boot\\vmlinux", &v, &rest), VOLUME_SPEC_OK);
        CHECK_EQ(v.kind, VOLUME_LABEL);
        CHECK(label_equal(v.label, (const uint16_t *)u"rootfs"));
        CHECK(!label_equal(v.label, (const uint16_t *)u"ROOTFS2"));
        CHECK(!label_equal(v.label, (const uint16_t *)u"ROOT"));
        CHECK_EQ(rest[0], '\\');
        CHECK_EQ(rest[1], 'b');
        CHECK_EQ(volume_spec_parse((const uint16_t *)u"LABEL=:\\k", &v, &rest), VOLUME_SPEC_ERR_EMPTY_LABEL);
        CHECK_EQ(volume_spec_parse((const uint16_t *)u"LABEL=BOOT\\k", &v, &rest), VOLUME_SPEC_ERR_NO_COLON);
        CHECK_EQ(volume_spec_parse((const uint16_t *)u"LABEL=0123456789012345678901234567890123456789012345678901234567890123:k",
                                   &v, &rest), VOLUME_SPEC_ERR_LABEL_TOO_LONG);
}

static void test_guid(void) {
        static const uint8_t want[16] = { 0x33, 0x22, 0x11, 0x00, 0x55, 0x44, 0x77, 0x66,
                                          0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff };
        struct volume_spec v;
        const uint16_t *rest;
        CHECK_EQ(volume_spec_parse((const uint16_t *)u"GUID=00112233-4455-6677-8899-AaBbCcDdEeFf:/vmlinux", &v, &rest),
                 VOLUME_SPEC_OK);
        CHECK_EQ(v.kind, VOLUME_GUID);
        CHECK(memcmp(v.guid, want, 16) == 0);
        CHECK_EQ(rest[0], '/');
        CHECK_EQ(volume_spec_parse((const uint16_t *)u"GUID=00112233-4455-6677-8899-aabbccddeef:/k", &v, &rest),
                 VOLUME_SPEC_ERR_BAD_GUID);
        CHECK_EQ(volume_spec_parse((const uint16_t *)u"GUID=00112233+4455-6677-8899-aabbccddeeff:/k", &v, &rest),
                 VOLUME_SPEC_ERR_BAD_GUID);
        CHECK_EQ(volume_spec_parse((const uint16_t *)u"GUID=0011223g-4455-6677-8899-aabbccddeeff:/k", &v, &rest),
                 VOLUME_SPEC_ERR_BAD_GUID);
        CHECK_EQ(volume_spec_parse((const uint16_t *)u"GUID=00112233-4455-6677-8899-aabbccddeeff", &v, &rest),
                 VOLUME_SPEC_ERR_NO_COLON);
        CHECK(strcmp(volume_spec_strerror(VOLUME_SPEC_ERR_BAD_GUID), "unknown error") != 0);
}

int main(void) {
        RUN(test_plain_paths);
        RUN(test_label);
        RUN(test_guid);
        return tl_summary("volume_spec");
}
