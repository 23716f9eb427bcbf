; Windows installer for CFT Desktop (NSIS 3, Modern UI 2).
;
;   makensis -WX -DVERSION=0.1.0 -DSOURCE_DIR=C:/path/to/dist/cft-desktop packaging/windows/cft-desktop.nsi
;
; Normally run through build_installer.sh, which works out the defines below. Options are written with
; "-" rather than "/" so that Git Bash does not mistake them for paths and rewrite them.
;
; Per-user install: no administrator rights are asked for, so a clinician on a managed laptop can
; install it. Everything goes under the person's own profile and registry hive:
;   program        $LOCALAPPDATA\Programs\CFT Desktop   (where Windows puts per-user programs)
;   shortcut       Start menu of this user
;   uninstall key  HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall\CFT Desktop
; The person's ratings and settings live apart from the program, in $LOCALAPPDATA\cft-desktop
; (cft_desktop/paths.py). The uninstaller keeps them unless the person ticks the box to remove them.
;
; Defines:
;   VERSION          required, e.g. 0.1.0 (shown to the person and used in the output name)
;   VERSION_NUMERIC  four numbers for the file's version resource (default 0.0.0.0)
;   SOURCE_DIR       required: PyInstaller's one-folder output, holding cft-desktop.exe and _internal\
;   OUT_DIR          folder for the output file (default: the current folder)
;   ICON             an .ico for the installer and uninstaller (default: NSIS's own)

Unicode true
ManifestDPIAware true
SetCompressor /SOLID lzma
; Large dictionary: the bundle is mostly many DLLs and a voice model that compress better together.
SetCompressorDictSize 64

!ifndef VERSION
  !error "Pass the version: -DVERSION=x.y.z"
!endif
!ifndef SOURCE_DIR
  !error "Pass the PyInstaller output folder: -DSOURCE_DIR=path\to\dist\cft-desktop"
!endif
!ifndef VERSION_NUMERIC
  !define VERSION_NUMERIC "0.0.0.0"
!endif
!ifndef OUT_DIR
  !define OUT_DIR "."
!endif

; Fail at compile time, not on the person's machine, if the folder is not a Windows bundle.
!if /FileExists "${SOURCE_DIR}\cft-desktop.exe"
!else
  !error "No cft-desktop.exe in ${SOURCE_DIR} (run packaging/build.sh on Windows first)"
!endif

!define APP_NAME "CFT Desktop"
!define APP_EXE "cft-desktop.exe"
!define PUBLISHER "CFT Desktop"
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${APP_NAME}"
; Must match cft_desktop/paths.py on Windows: %LOCALAPPDATA%\cft-desktop, with Cache\ and Logs\ inside.
!define USER_DATA_DIR "$LOCALAPPDATA\cft-desktop"

Name "${APP_NAME}"
OutFile "${OUT_DIR}\CFT-Desktop-Setup-${VERSION}.exe"
InstallDir "$LOCALAPPDATA\Programs\${APP_NAME}"
; Reinstalling or upgrading goes to wherever the person put it last time.
InstallDirRegKey HKCU "${UNINSTALL_KEY}" "InstallLocation"
RequestExecutionLevel user
BrandingText "${APP_NAME} ${VERSION}"
ShowInstDetails hide
ShowUninstDetails hide

VIProductVersion "${VERSION_NUMERIC}"
VIAddVersionKey /LANG=1033 "ProductName" "${APP_NAME}"
VIAddVersionKey /LANG=1033 "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=1033 "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=1033 "FileDescription" "${APP_NAME} installer"
VIAddVersionKey /LANG=1033 "CompanyName" "${PUBLISHER}"
VIAddVersionKey /LANG=1033 "LegalCopyright" "GPL-3.0-or-later"

!include "MUI2.nsh"
!include "LogicLib.nsh"
!include "FileFunc.nsh"
!include "x64.nsh"
!include "WinVer.nsh"

; --- pages ---------------------------------------------------------------------------------------------
!ifdef ICON
  !define MUI_ICON "${ICON}"
  !define MUI_UNICON "${ICON}"
!endif
!define MUI_ABORTWARNING
!define MUI_ABORTWARNING_TEXT "Stop setting up ${APP_NAME}? Nothing has been changed yet if you stop now."

!define MUI_WELCOMEPAGE_TITLE "Set up ${APP_NAME} ${VERSION}"
!define MUI_WELCOMEPAGE_TEXT "This puts ${APP_NAME} on this computer for you.$\r$\n$\r$\n\
It needs no administrator rights and does not use the internet, now or later: \
everything it needs is in this one file.$\r$\n$\r$\n\
If ${APP_NAME} is open, please close it first.$\r$\n$\r$\nChoose Next to go on."
!insertmacro MUI_PAGE_WELCOME

!define MUI_DIRECTORYPAGE_TEXT_TOP "${APP_NAME} will be put in the folder below. \
The suggested folder is fine for most people; to use another, choose Browse."
!insertmacro MUI_PAGE_DIRECTORY

!insertmacro MUI_PAGE_INSTFILES

!define MUI_FINISHPAGE_TITLE "${APP_NAME} is ready"
!define MUI_FINISHPAGE_TEXT "You can open ${APP_NAME} from the Start menu.$\r$\n$\r$\n\
To remove it later, use Settings > Apps. Your ratings and settings are kept unless you choose otherwise then."
!define MUI_FINISHPAGE_RUN "$INSTDIR\${APP_EXE}"
!define MUI_FINISHPAGE_RUN_TEXT "Open ${APP_NAME} now"
!insertmacro MUI_PAGE_FINISH

; Uninstaller: the components page is where the person decides about their own data.
!define MUI_UNABORTWARNING
!define MUI_PAGE_HEADER_TEXT "Remove ${APP_NAME}"
!define MUI_PAGE_HEADER_SUBTEXT "Choose what to remove."
!define MUI_COMPONENTSPAGE_TEXT_TOP "${APP_NAME} will be removed from this computer.$\r$\n\
Your ratings and settings stay where they are unless you tick the second box. \
Keep them if you might install ${APP_NAME} again."
!define MUI_COMPONENTSPAGE_TEXT_COMPLIST "What to remove:"
!define MUI_COMPONENTSPAGE_NODESC
!insertmacro MUI_UNPAGE_COMPONENTS

!insertmacro MUI_UNPAGE_INSTFILES

!define MUI_FINISHPAGE_TITLE "${APP_NAME} has been removed"
!define MUI_FINISHPAGE_TEXT "$R9"
!insertmacro MUI_UNPAGE_FINISH

!insertmacro MUI_LANGUAGE "English"

; --- helpers -------------------------------------------------------------------------------------------
; A running program's .exe cannot be opened for writing on Windows. Use that to notice an open
; CFT Desktop before replacing or removing its files, instead of failing half-way through.
!macro WAIT_UNTIL_CLOSED
  ${If} ${FileExists} "$INSTDIR\${APP_EXE}"
    ${Do}
      ClearErrors
      FileOpen $0 "$INSTDIR\${APP_EXE}" a
      ${IfNot} ${Errors}
        FileClose $0
        ${Break}
      ${EndIf}
      MessageBox MB_RETRYCANCEL|MB_ICONINFORMATION \
        "${APP_NAME} is open. Please close it, then choose Retry." /SD IDCANCEL IDRETRY +2
      Abort "${APP_NAME} was still open, so nothing was changed."
    ${Loop}
  ${EndIf}
!macroend

; Only the files this installer puts there are removed, never the whole folder: the person may have
; chosen a folder that holds other things too. The folder itself goes only if it is then empty.
!macro REMOVE_PROGRAM_FILES
  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\${APP_EXE}"
  Delete "$INSTDIR\VERSION"
!macroend

; --- install -------------------------------------------------------------------------------------------
Function .onInit
  SetShellVarContext current
  ; The bundle is 64-bit Python and Qt 6, which need 64-bit Windows 10 or later.
  ${IfNot} ${RunningX64}
    MessageBox MB_OK|MB_ICONINFORMATION "${APP_NAME} needs a 64-bit version of Windows." /SD IDOK
    Abort
  ${EndIf}
  ${IfNot} ${AtLeastWin10}
    MessageBox MB_OK|MB_ICONINFORMATION "${APP_NAME} needs Windows 10 or later." /SD IDOK
    Abort
  ${EndIf}
FunctionEnd

Section "${APP_NAME}" SecProgram
  SectionIn RO
  !insertmacro WAIT_UNTIL_CLOSED
  ; On an upgrade, the old version's libraries go first: PyInstaller's file names change between
  ; versions, and a stale DLL left in _internal\ could be loaded by the new program.
  !insertmacro REMOVE_PROGRAM_FILES

  SetOutPath "$INSTDIR"
  File /r "${SOURCE_DIR}\*.*"

  WriteUninstaller "$INSTDIR\uninstall.exe"
  CreateShortCut "$SMPROGRAMS\${APP_NAME}.lnk" "$INSTDIR\${APP_EXE}" "" "$INSTDIR\${APP_EXE}" 0 \
    SW_SHOWNORMAL "" "An offline audio player for compassion-focused practices"

  ; Settings > Apps lists the program from these values.
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayName" "${APP_NAME}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "Publisher" "${PUBLISHER}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\${APP_EXE},0"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  ; Silent removal keeps the person's data: the box to remove it starts unticked.
  WriteRegStr HKCU "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoRepair" 1
  ; Settings > Apps shows this size; it is in KB.
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  IntFmt $0 "0x%08X" $0
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "EstimatedSize" "$0"
SectionEnd

; --- uninstall -----------------------------------------------------------------------------------------
Function un.onInit
  SetShellVarContext current
FunctionEnd

Section "un.${APP_NAME} (the program)" UnSecProgram
  SectionIn RO
  !insertmacro WAIT_UNTIL_CLOSED
  Delete "$SMPROGRAMS\${APP_NAME}.lnk"
  !insertmacro REMOVE_PROGRAM_FILES
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  DeleteRegKey HKCU "${UNINSTALL_KEY}"
  ; The narration cache holds only speech the app made itself and makes again when needed, so it goes
  ; with the program; the ratings, settings and logs beside it stay unless the next box is ticked.
  RMDir /r "${USER_DATA_DIR}\Cache"
  StrCpy $R9 "${APP_NAME} has been removed from this computer.$\r$\n$\r$\n\
Your ratings and settings have been kept in ${USER_DATA_DIR}. \
If you install ${APP_NAME} again, it will find them there."
SectionEnd

; /o: not ticked unless the person ticks it, including for a silent (/S) uninstall.
Section /o "un.Also remove my ratings and settings" UnSecUserData
  RMDir /r "${USER_DATA_DIR}"
  StrCpy $R9 "${APP_NAME} has been removed from this computer, \
together with your ratings and settings."
SectionEnd
