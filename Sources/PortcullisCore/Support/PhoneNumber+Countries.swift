import Foundation

/// The data behind `PhoneNumber`'s validation: one line per country or territory, parsed into `PhoneNumber.table`.
extension PhoneNumber {
    /// `ISO calling-code trunk(s) lengths name`; `-` for none. Trunks are separated by `/`.
    static let countryTable = """
    AF 93 0 9 Afghanistan
    AX 358 0 5-12 Åland Islands
    AL 355 0 8-9 Albania
    DZ 213 0 8-9 Algeria
    AS 1 1 10 American Samoa
    AD 376 - 6-9 Andorra
    AO 244 - 9 Angola
    AI 1 1 10 Anguilla
    AG 1 1 10 Antigua and Barbuda
    AR 54 0 10-11 Argentina
    AM 374 0 8 Armenia
    AW 297 - 7 Aruba
    AC 247 - - Ascension Island
    AU 61 0 9 Australia
    AT 43 0 4-13 Austria
    AZ 994 0 9 Azerbaijan
    BS 1 1 10 Bahamas
    BH 973 - 8 Bahrain
    BD 880 0 10 Bangladesh
    BB 1 1 10 Barbados
    BY 375 80 9 Belarus
    BE 32 0 8-9 Belgium
    BZ 501 - 7 Belize
    BJ 229 - - Benin
    BM 1 1 10 Bermuda
    BT 975 - - Bhutan
    BO 591 0 8 Bolivia
    BQ 599 - 7 Bonaire, Sint Eustatius and Saba
    BA 387 0 8-9 Bosnia and Herzegovina
    BW 267 - 7-8 Botswana
    BR 55 0 10-11 Brazil
    IO 246 - - British Indian Ocean Territory
    VG 1 1 10 British Virgin Islands
    BN 673 - 7 Brunei
    BG 359 0 7-9 Bulgaria
    BF 226 - 8 Burkina Faso
    BI 257 - 8 Burundi
    KH 855 0 8-9 Cambodia
    CM 237 - 9 Cameroon
    CA 1 1 10 Canada
    CV 238 - 7 Cape Verde
    KY 1 1 10 Cayman Islands
    CF 236 - - Central African Republic
    TD 235 - - Chad
    CL 56 - 9 Chile
    CN 86 0 9-11 China
    CX 61 0 9 Christmas Island
    CC 61 0 9 Cocos (Keeling) Islands
    CO 57 - 10 Colombia
    KM 269 - - Comoros
    CG 242 - - Congo
    CD 243 0 - Congo (DRC)
    CK 682 - - Cook Islands
    CR 506 - 8 Costa Rica
    CI 225 - - Côte d’Ivoire
    HR 385 0 8-9 Croatia
    CU 53 0 - Cuba
    CW 599 - 7 Curaçao
    CY 357 - 8 Cyprus
    CZ 420 - 9 Czechia
    DK 45 - 8 Denmark
    DJ 253 - - Djibouti
    DM 1 1 10 Dominica
    DO 1 1 10 Dominican Republic
    EC 593 0 8-9 Ecuador
    EG 20 0 9-10 Egypt
    SV 503 - 8 El Salvador
    GQ 240 - - Equatorial Guinea
    ER 291 0 - Eritrea
    EE 372 - 7-8 Estonia
    SZ 268 - - Eswatini
    ET 251 0 9 Ethiopia
    FK 500 - - Falkland Islands
    FO 298 - 6 Faroe Islands
    FJ 679 - 7 Fiji
    FI 358 0 5-12 Finland
    FR 33 0 9 France
    GF 594 0 9 French Guiana
    PF 689 - - French Polynesia
    GA 241 - - Gabon
    GM 220 - - Gambia
    GE 995 0 9 Georgia
    DE 49 0 6-13 Germany
    GH 233 0 9 Ghana
    GI 350 - 8 Gibraltar
    GR 30 - 10 Greece
    GL 299 - 6 Greenland
    GD 1 1 10 Grenada
    GP 590 0 9 Guadeloupe
    GU 1 1 10 Guam
    GT 502 - 8 Guatemala
    GG 44 0 9-10 Guernsey
    GN 224 - - Guinea
    GW 245 - - Guinea-Bissau
    GY 592 - - Guyana
    HT 509 - 8 Haiti
    HN 504 - 8 Honduras
    HK 852 - 8 Hong Kong
    HU 36 06 8-9 Hungary
    IS 354 - 7-9 Iceland
    IN 91 0 10 India
    ID 62 0 8-12 Indonesia
    IR 98 0 10 Iran
    IQ 964 0 - Iraq
    IE 353 0 7-9 Ireland
    IM 44 0 9-10 Isle of Man
    IL 972 0 8-9 Israel
    IT 39 - 6-11 Italy
    JM 1 1 10 Jamaica
    JP 81 0 9-10 Japan
    JE 44 0 9-10 Jersey
    JO 962 0 8-9 Jordan
    KZ 7 8 10 Kazakhstan
    KE 254 0 9 Kenya
    KI 686 - - Kiribati
    XK 383 0 - Kosovo
    KW 965 - 8 Kuwait
    KG 996 0 9 Kyrgyzstan
    LA 856 0 - Laos
    LV 371 - 8 Latvia
    LB 961 0 7-8 Lebanon
    LS 266 - - Lesotho
    LR 231 0 - Liberia
    LY 218 0 - Libya
    LI 423 - 7 Liechtenstein
    LT 370 8/0 8 Lithuania
    LU 352 - 4-11 Luxembourg
    MO 853 - 8 Macao
    MG 261 0 9 Madagascar
    MW 265 0 - Malawi
    MY 60 0 9-10 Malaysia
    MV 960 - 7 Maldives
    ML 223 - 8 Mali
    MT 356 - 8 Malta
    MH 692 - - Marshall Islands
    MQ 596 0 9 Martinique
    MR 222 - - Mauritania
    MU 230 - 7-8 Mauritius
    YT 262 0 9 Mayotte
    MX 52 - 10 Mexico
    FM 691 - - Micronesia
    MD 373 0 8 Moldova
    MC 377 - 8-9 Monaco
    MN 976 - 8 Mongolia
    ME 382 0 - Montenegro
    MS 1 1 10 Montserrat
    MA 212 0 9 Morocco
    MZ 258 - - Mozambique
    MM 95 0 - Myanmar
    NA 264 0 - Namibia
    NR 674 - - Nauru
    NP 977 0 - Nepal
    NL 31 0 9 Netherlands
    NC 687 - - New Caledonia
    NZ 64 0 8-10 New Zealand
    NI 505 - 8 Nicaragua
    NE 227 - - Niger
    NG 234 0 8-10 Nigeria
    NU 683 - - Niue
    NF 672 - - Norfolk Island
    KP 850 - - North Korea
    MK 389 0 - North Macedonia
    MP 1 1 10 Northern Mariana Islands
    NO 47 - 8 Norway
    OM 968 - 8 Oman
    PK 92 0 10 Pakistan
    PW 680 - - Palau
    PS 970 0 - Palestine
    PA 507 - 7-8 Panama
    PG 675 - - Papua New Guinea
    PY 595 0 - Paraguay
    PE 51 0 8-9 Peru
    PH 63 0 10 Philippines
    PL 48 - 9 Poland
    PT 351 - 9 Portugal
    PR 1 1 10 Puerto Rico
    QA 974 - 8 Qatar
    RE 262 0 9 Réunion
    RO 40 0 9 Romania
    RU 7 8 10 Russia
    RW 250 0 9 Rwanda
    BL 590 0 9 Saint Barthélemy
    SH 290 - - Saint Helena
    KN 1 1 10 Saint Kitts and Nevis
    LC 1 1 10 Saint Lucia
    MF 590 0 9 Saint Martin
    PM 508 - - Saint Pierre and Miquelon
    VC 1 1 10 Saint Vincent and the Grenadines
    WS 685 - - Samoa
    SM 378 - - San Marino
    ST 239 - - São Tomé and Príncipe
    SA 966 0 9 Saudi Arabia
    SN 221 - 9 Senegal
    RS 381 0 - Serbia
    SC 248 - - Seychelles
    SL 232 0 - Sierra Leone
    SG 65 - 8 Singapore
    SX 1 1 10 Sint Maarten
    SK 421 0 9 Slovakia
    SI 386 0 8 Slovenia
    SB 677 - - Solomon Islands
    SO 252 0 - Somalia
    ZA 27 0 9 South Africa
    KR 82 0 8-10 South Korea
    SS 211 0 - South Sudan
    ES 34 - 9 Spain
    LK 94 0 9 Sri Lanka
    SD 249 0 - Sudan
    SR 597 - - Suriname
    SE 46 0 7-10 Sweden
    CH 41 0 9 Switzerland
    SY 963 0 - Syria
    TW 886 0 8-9 Taiwan
    TJ 992 - 9 Tajikistan
    TZ 255 0 9 Tanzania
    TH 66 0 8-9 Thailand
    TL 670 - - Timor-Leste
    TG 228 - 8 Togo
    TK 690 - - Tokelau
    TO 676 - - Tonga
    TT 1 1 10 Trinidad and Tobago
    TN 216 - 8 Tunisia
    TR 90 0 10 Türkiye
    TM 993 8 - Turkmenistan
    TC 1 1 10 Turks and Caicos Islands
    TV 688 - - Tuvalu
    VI 1 1 10 U.S. Virgin Islands
    UG 256 0 9 Uganda
    UA 380 0 9 Ukraine
    AE 971 0 8-9 United Arab Emirates
    GB 44 0 9-10 United Kingdom
    US 1 1 10 United States
    UY 598 0 8 Uruguay
    UZ 998 - 9 Uzbekistan
    VU 678 - - Vanuatu
    VA 39 - 6-11 Vatican City
    VE 58 0 10 Venezuela
    VN 84 0 9-10 Vietnam
    WF 681 - - Wallis and Futuna
    EH 212 0 9 Western Sahara
    YE 967 0 - Yemen
    ZM 260 0 9 Zambia
    ZW 263 0 9 Zimbabwe
    """
}
