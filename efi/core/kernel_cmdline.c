/* SPDX-License-Identifier: MIT */
#include "kernel_cmdline.h"

/* Linux's isspace(): its _ctype[] also counts 0xA0 (Latin-1 NBSP). */
static bool is_space(char c) {
        return c == ' ' || (c >= '\t' && c <= '\r') || (unsigned char)c == 0xA0;
}

bool kernel_cmdline_next(const char *s, size_t *pos, struct kernel_param *param) {
        size_t i = *pos, p, n, eq = 0;
        bool in_quote = false, quoted = false;

        while (is_space(s[i]))
                i++;
        if (!s[i]) {
                *pos = i;
                return false;
        }
        p = i;
        if (s[p] == '"') {
                p++;
                in_quote = quoted = true;
        }
        for (n = 0; s[p + n]; n++) {
                if (is_space(s[p + n]) && !in_quote)
                        break;
                if (eq == 0 && s[p + n] == '=')
                        eq = n;
                if (s[p + n] == '"')
                        in_quote = !in_quote;
        }
        *pos = p + n + (s[p + n] ? 1 : 0);

        *param = (struct kernel_param){ .name = s + p, .has_value = eq != 0 };
        if (eq) {
                size_t v = eq + 1;
                param->name_len = eq;
                param->value = s + p + v;
                param->value_len = n - v;
                if (s[p + v] == '"') {
                        param->value++;
                        param->value_len--;
                        if (param->value_len > 0 && s[p + n - 1] == '"')
                                param->value_len--;
                } else if (quoted && param->value_len > 0 && s[p + n - 1] == '"')
                        param->value_len--;
        } else
                param->name_len = quoted && n > 0 && s[p + n - 1] == '"' ? n - 1 : n;
        return true;
}

bool kernel_param_is_end(const struct kernel_param *param) {
        return !param->has_value && param->name_len == 2 && param->name[0] == '-' && param->name[1] == '-';
}

bool kernel_param_is(const struct kernel_param *param, const char *name) {
        size_t i = 0;

        for (; i < param->name_len && name[i]; i++) {
                char a = param->name[i] == '-' ? '_' : param->name[i], b = name[i] == '-' ? '_' : name[i];
                if (a != b)
                        return false;
        }
        return i == param->name_len && name[i] == '\0';
}

bool kernel_cmdline_has_param(const char *s, const char *name) {
        struct kernel_param param;
        size_t pos = 0;

        while (kernel_cmdline_next(s, &pos, &param) && !kernel_param_is_end(&param))
                if (kernel_param_is(&param, name))
                        return true;
        return false;
}
