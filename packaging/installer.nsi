; ClinicGuard per-user installer (no administrator rights).
;   makensis -DVERSION=0.1.0 -DSOURCE_DIR=<absolute path>\dist\ClinicGuard -DOUT_FILE=<absolute path>\ClinicGuard-0.1.0-installer.exe packaging\installer.nsi
; Installs into %LOCALAPPDATA%\Programs\ClinicGuard; /S installs silently (for the IT provider);
; running a newer installer over an older one upgrades in place. The clinic's data folder
; (%APPDATA%\ClinicGuard\ClinicGuard) is never inside the install folder and the uninstaller keeps it.
Unicode true
!include "MUI2.nsh"

!ifndef VERSION
  !error "pass -DVERSION=x.y.z"
!endif
!ifndef SOURCE_DIR
  !error "pass -DSOURCE_DIR=path\to\dist\ClinicGuard"
!endif
!ifndef OUT_FILE
  !define OUT_FILE "ClinicGuard-${VERSION}-setup.exe"
!endif
!define UNINST_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\ClinicGuard"

Name "ClinicGuard ${VERSION}"
OutFile "${OUT_FILE}"
RequestExecutionLevel user
InstallDir "$LOCALAPPDATA\Programs\ClinicGuard"
InstallDirRegKey HKCU "${UNINST_KEY}" "InstallLocation"
SetCompressor /SOLID lzma

; Paths read at compile time use the separator of the machine running makensis (CI compiles on Linux).
!ifdef NSIS_WIN32_MAKENSIS
  !define SEP "\"
!else
  !define SEP "/"
!endif
!define MUI_ICON "${SOURCE_DIR}${SEP}_internal${SEP}resources${SEP}icons${SEP}clinicguard.ico"
!define MUI_UNICON "${MUI_ICON}"
!define MUI_FINISHPAGE_RUN "$INSTDIR\ClinicGuard.exe"
!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_COMPONENTS
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "French"   ; the first language is the default
!insertmacro MUI_LANGUAGE "English"

LangString DataKept ${LANG_FRENCH} "ClinicGuard a été désinstallé. Les données du cabinet sont conservées dans $APPDATA\ClinicGuard\ClinicGuard : supprimez ce dossier vous-même seulement si vous n'en avez plus besoin."
LangString DataKept ${LANG_ENGLISH} "ClinicGuard has been uninstalled. The clinic's data is kept in $APPDATA\ClinicGuard\ClinicGuard: delete that folder yourself only if you no longer need it."
LangString DesktopName ${LANG_FRENCH} "Raccourci sur le Bureau"
LangString DesktopName ${LANG_ENGLISH} "Desktop shortcut"

Section "ClinicGuard" SecMain
  SectionIn RO
  SetOutPath "$INSTDIR"
  ; upgrade in place: the previous program files go, the data folder is elsewhere and untouched
  RMDir /r "$INSTDIR\_internal"
  File /r "${SOURCE_DIR}${SEP}*.*"
  WriteUninstaller "$INSTDIR\uninstall.exe"
  CreateShortcut "$SMPROGRAMS\ClinicGuard.lnk" "$INSTDIR\ClinicGuard.exe"
  WriteRegStr HKCU "${UNINST_KEY}" "DisplayName" "ClinicGuard"
  WriteRegStr HKCU "${UNINST_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINST_KEY}" "Publisher" "ClinicGuard"
  WriteRegStr HKCU "${UNINST_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINST_KEY}" "DisplayIcon" "$INSTDIR\ClinicGuard.exe"
  WriteRegStr HKCU "${UNINST_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKCU "${UNINST_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKCU "${UNINST_KEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINST_KEY}" "NoRepair" 1
SectionEnd

Section /o "$(DesktopName)" SecDesktop
  CreateShortcut "$DESKTOP\ClinicGuard.lnk" "$INSTDIR\ClinicGuard.exe"
SectionEnd

Section "Uninstall"
  Delete "$SMPROGRAMS\ClinicGuard.lnk"
  Delete "$DESKTOP\ClinicGuard.lnk"
  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\ClinicGuard.exe"
  Delete "$INSTDIR\clinicguard-cli.exe"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  DeleteRegKey HKCU "${UNINST_KEY}"
  ; the data folder ($APPDATA\ClinicGuard) is deliberately not removed
  MessageBox MB_OK|MB_ICONINFORMATION "$(DataKept)" /SD IDOK
SectionEnd
